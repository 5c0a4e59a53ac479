import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import type { KubeObject, ResourceApi } from '../client/resource-api';
import type { PeerStatus } from '../crd/peer';
import { PeerStatusComposer } from './peer-status';
import { StatusWriter } from './status-writer';

describe('two-speed peer status', () => {
  it('publishes summary changes at once and path detail/counters at most once per interval', async () => {
    const clock = new FakeClock(0);
    const writes: Array<{ at: number; status: PeerStatus }> = [];
    const api = { mergePatchStatus: async (_n: string, p: { status: PeerStatus }) => void writes.push({ at: clock.now(), status: p.status }) } as unknown as ResourceApi<KubeObject>;
    const writer = new StatusWriter<PeerStatus>(api, { clock, rng: seededRng(1), minIntervalMs: 1000 });
    const composer = new PeerStatusComposer(clock, 60_000);
    const desired = (t: number, relay: number): PeerStatus => ({
      connected: true,
      natType: 'symmetric',
      pathSummary: { direct: 2 - relay, relay, none: 0 },
      paths: [
        { peer: 'b', path: relay ? 'relay' : 'direct', reason: relay ? 'direct path blackholed' : 'punched' },
        { peer: 'c', path: 'direct', reason: 'punched' },
      ],
      rxBytes: t * 1000,
      txBytes: t * 900,
      lastHandshake: new Date(t).toISOString(),
    });
    // The agent re-evaluates every second for five minutes; counters move every time.
    for (let t = 0; t < 300_000; t += 1000) {
      writer.update('node-a', composer.compose(desired(t, t >= 100_000 && t < 130_000 ? 1 : 0)));
      await clock.advance(1000);
      await writer.flush();
    }
    assert.deepEqual(
      writes.map((w) => w.at),
      [0, 60_000, 100_000, 120_000, 130_000, 180_000, 240_000],
      'detail every 60 s, plus the two summary changes (path failover and back)',
    );
    const failover = writes[2].status;
    assert.deepEqual(failover.pathSummary, { direct: 1, relay: 1 }, 'the write is a minimal merge patch');
    assert.equal(failover.paths, undefined, 'per-pair detail waits for its interval');
    assert.equal(writes[3].status.paths?.[0].path, 'relay', 'the detail refresh carries the relayed path and its reason');
    assert.equal(writes[3].status.paths?.[0].reason, 'direct path blackholed');
    assert.deepEqual(writes[4].status, { pathSummary: { direct: 2, relay: 0 } });
    assert.equal(writes[5].status.paths?.[0].path, 'direct');
    assert.equal(writes[6].status.paths, undefined, 'unchanged paths are not re-sent, only counters');
  });
});
