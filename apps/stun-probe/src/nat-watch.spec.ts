import assert from 'node:assert/strict';
import { NatType, type NatReport } from '@wirekube/proto';
import { nullLogger } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { watchInterfaces } from './interface-watch';
import { NatWatch } from './nat-watch';

const report = (type: NatType, port: number, durationMs = 10): NatReport => ({
  type, mapping: 0, filtering: 0, portPreserved: false, allocation: 0, allocationDelta: 0,
  mapped: { ip: '203.0.113.1', port }, local: { ip: '10.0.0.2', port: 40000 + durationMs }, method: 'rfc5780', probedAtMs: durationMs, durationMs, notes: [`run ${durationMs}`],
});

describe('NatWatch', () => {
  it('publishes the first report and then only real changes, on the interval and on interface change', async () => {
    const clock = new FakeClock(0);
    const script: (NatReport | Error)[] = [
      report(NatType.NAT_TYPE_FULL_CONE, 5000, 1),
      report(NatType.NAT_TYPE_FULL_CONE, 5000, 2), // same NAT, different timing: not a change
      new Error('bind EADDRINUSE'),
      report(NatType.NAT_TYPE_SYMMETRIC, 6000, 4),
      report(NatType.NAT_TYPE_SYMMETRIC, 6000, 5),
    ];
    let probes = 0;
    let interfaceListener: () => void = () => {};
    const published: NatReport[] = [];
    let errors = 0;
    const watch = new NatWatch({
      probe: async () => {
        const next = script[probes++];
        await clock.sleep(100);
        if (next instanceof Error) throw next;
        return next!;
      },
      clock,
      intervalMs: 1000,
      interfaceChanges: (l) => ((interfaceListener = l), () => (interfaceListener = () => {})),
      publish: (r) => published.push(r),
      logger: nullLogger,
      onError: () => errors++,
    });
    watch.start();
    await clock.advance(100);
    assert.deepEqual(published.map((r) => r.durationMs), [1]);
    await clock.advance(1100); // periodic probe: unchanged
    assert.equal(probes, 2);
    assert.equal(published.length, 1);
    interfaceListener(); // interface change: probe now, fails, is counted
    interfaceListener(); // during a probe: coalesced into one follow-up probe
    await clock.advance(250);
    assert.equal(errors, 1);
    assert.equal(probes, 4);
    assert.deepEqual(published.map((r) => r.type), [NatType.NAT_TYPE_FULL_CONE, NatType.NAT_TYPE_SYMMETRIC]);
    watch.stop();
    await clock.advance(5000);
    assert.equal(probes, 4);
    assert.equal(clock.pending, 0);
  });

  it('interface polling reports each change of the address set once', async () => {
    const clock = new FakeClock(0);
    let sig = 'eth0 10.0.0.2';
    let changes = 0;
    const stop = watchInterfaces({ clock, pollMs: 100, signature: () => sig, onChange: () => changes++ });
    await clock.advance(300);
    assert.equal(changes, 0);
    sig = 'eth0 10.0.0.3';
    await clock.advance(100);
    await clock.advance(500);
    assert.equal(changes, 1);
    stop();
    sig = 'eth0 10.0.0.4';
    await clock.advance(500);
    assert.equal(changes, 1);
    assert.equal(clock.pending, 0);
  });
});
