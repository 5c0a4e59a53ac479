import { strict as assert } from 'node:assert';
import { FakeClock } from '@wirekube/util/testing';
import { HealthProber, type ProbeReport } from './health-prober';

const spec = { target: '10.0.0.1:80', intervalMs: 1000, timeoutMs: 500, failureThreshold: 3 };

function setup(outcomes: boolean[]) {
  const clock = new FakeClock();
  const reports: ProbeReport[] = [];
  const probed: string[] = [];
  const prober = new HealthProber({
    clock,
    probe: async (target) => {
      probed.push(target);
      const ok = outcomes.length ? outcomes.shift()! : true;
      return { ok, latencyMs: 3, detail: ok ? 'ok' : 'refused' };
    },
    report: async (r) => {
      reports.push(r);
    },
  });
  return { clock, reports, probed, prober };
}

describe('HealthProber', () => {
  it('turns unhealthy only after failureThreshold consecutive failures, and one success heals', async () => {
    const { clock, reports, prober } = setup([true, false, false, false, false, true]);
    prober.set([{ gateway: 'vpc', probe: spec }]);
    await clock.advance(5_000);
    assert.deepEqual(
      reports.map((r) => [r.healthy, r.consecutiveFailures]),
      [[true, 0], [true, 1], [true, 2], [false, 3], [false, 4], [true, 0]],
    );
    assert.equal(reports[3].probedAtMs - reports[0].probedAtMs, 3_000);
    prober.stop();
  });

  it('set() is level-triggered: unchanged gateways keep their count, removed ones stop, changed ones restart', async () => {
    const { clock, reports, probed, prober } = setup([false, false]);
    prober.set([{ gateway: 'vpc', probe: spec }]);
    await clock.advance(1_000);
    prober.set([{ gateway: 'vpc', probe: spec }]);
    await clock.advance(1_000);
    assert.deepEqual(reports.map((r) => r.consecutiveFailures), [1, 2, 0]);
    prober.set([{ gateway: 'vpc', probe: { ...spec, target: '10.0.0.2:80' } }]);
    await clock.advance(0);
    assert.equal(probed.at(-1), '10.0.0.2:80');
    prober.set([]);
    const n = probed.length;
    await clock.advance(10_000);
    assert.equal(probed.length, n);
    assert.deepEqual(prober.gateways(), []);
    assert.equal(clock.pending, 0);
  });

  it('keeps probing when a report cannot be delivered', async () => {
    const clock = new FakeClock();
    let probes = 0;
    const prober = new HealthProber({
      clock,
      probe: async () => {
        probes++;
        return { ok: true, latencyMs: 1, detail: 'ok' };
      },
      report: () => Promise.reject(new Error('controller down')),
    });
    prober.set([{ gateway: 'vpc', probe: spec }]);
    await clock.advance(3_000);
    assert.equal(probes, 4);
    prober.stop();
  });
});
