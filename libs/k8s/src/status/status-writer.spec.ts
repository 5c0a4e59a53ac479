import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import type { KubeObject, ResourceApi } from '../client/resource-api';
import { KubeApiError } from '../client/kube-error';
import { conditionTime, setCondition, validityCondition } from './conditions';
import { mergePatchDiff } from './merge-diff';
import { StatusWriter } from './status-writer';

/** Records status patches; can be told to fail the next N calls. */
function recordingApi() {
  const patches: Array<{ at: number; name: string; patch: unknown }> = [];
  let failNext = 0;
  const clock = new FakeClock(0);
  const api = {
    mergePatchStatus: async (name: string, patch: unknown) => {
      if (failNext > 0) {
        failNext--;
        throw new KubeApiError(503, 'unavailable');
      }
      patches.push({ at: clock.now(), name, patch });
      return {} as KubeObject;
    },
  } as unknown as ResourceApi<KubeObject>;
  return { api, patches, clock, fail: (n: number) => (failNext = n) };
}

describe('status writes', () => {
  it('writes only changes, as minimal merge patches', async () => {
    const r = recordingApi();
    const w = new StatusWriter<Record<string, unknown>>(r.api, { clock: r.clock, rng: seededRng(1), minIntervalMs: 0 });
    w.observe('n1', { connected: false, natType: 'symmetric' });
    w.update('n1', { connected: false, natType: 'symmetric' });
    await w.flush();
    assert.equal(r.patches.length, 0);
    w.update('n1', { connected: true, natType: 'symmetric' });
    await w.flush();
    w.update('n1', { connected: true });
    await w.flush();
    assert.deepEqual(r.patches.map((p) => p.patch), [{ status: { connected: true } }, { status: { natType: null } }]);
    assert.deepEqual(w.stats, { writes: 2, unchanged: 1, deferred: 0, failures: 0 });
  });

  it('writes each object at most once per interval, and the deferred write carries the latest status', async () => {
    const r = recordingApi();
    const w = new StatusWriter<{ n: number }>(r.api, { clock: r.clock, rng: seededRng(1), minIntervalMs: 30_000 });
    for (let i = 1; i <= 50; i++) {
      w.update('n1', { n: i });
      await w.flush();
      await r.clock.advance(1000);
    }
    await r.clock.advance(30_000);
    await w.flush();
    assert.deepEqual(r.patches.map((p) => [p.at, (p.patch as { status: { n: number } }).status.n]), [
      [0, 1],
      [30_000, 30],
      [60_000, 50],
    ]);
  });

  it('retries a failed write with backoff and never loses the newest desired status', async () => {
    const r = recordingApi();
    const w = new StatusWriter<{ n: number }>(r.api, { clock: r.clock, rng: seededRng(1), minIntervalMs: 1000 });
    r.fail(2);
    w.update('n1', { n: 1 });
    await w.flush();
    w.update('n1', { n: 2 });
    await r.clock.advance(60_000);
    await w.flush();
    assert.deepEqual(r.patches.map((p) => p.patch), [{ status: { n: 2 } }]);
    assert.equal(w.stats.failures, 2);
  });

  it('conditions keep their transition time while the status is unchanged', () => {
    const t1 = conditionTime(1_700_000_000_500);
    const a = setCondition([], validityCondition('Valid', [], 3), t1);
    assert.deepEqual(a, [{ type: 'Valid', status: 'True', reason: 'Valid', message: 'spec is valid', observedGeneration: 3, lastTransitionTime: '2023-11-14T22:13:20Z' }]);
    const same = setCondition(a, validityCondition('Valid', [], 3), conditionTime(1_800_000_000_000));
    assert.equal(mergePatchDiff(a, same), undefined, 'no change → nothing to write');
    const bad = setCondition(same, validityCondition('Valid', [{ field: 'spec.allowedIPs[1]', reason: 'OverlappingCIDRs', message: 'x overlaps y' }]), 'T2');
    assert.deepEqual([bad[0].status, bad[0].reason, bad[0].message, bad[0].lastTransitionTime], ['False', 'OverlappingCIDRs', 'spec.allowedIPs[1]: x overlaps y', 'T2']);
  });
});
