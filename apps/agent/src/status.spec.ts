import { strict as assert } from 'node:assert';
import type { PeerStatus } from '@wirekube/k8s';
import { nullLogger, seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { buildStatus, type PeerView } from './status-model';
import { healthGapMs, PeerStatusPublisher } from './status-writer';

describe('status model and status writer', () => {
  it('publishes per-peer paths and counters only up to maxDetailPeers, and always the summary', () => {
    const peers: PeerView[] = Array.from({ length: 10 }, (_, i) => ({
      node: `n${i}`,
      path: { kind: 'relay', endpoint: { host: '127.0.0.1', port: 40000 + i }, reason: 'r' },
      sinceMs: 0,
      lastHandshakeMs: 1000,
      rxBytes: 1,
      txBytes: 2,
    }));
    const s = buildStatus({ nowMs: 2000, peers, handshakeFreshMs: 180_000, conditions: [], maxDetailPeers: 10 });
    assert.equal(s.paths?.length, 10);
    assert.deepEqual(s.pathSummary, { direct: 0, relay: 10, none: 0 });
    assert.equal(s.connected, true);
    assert.equal(s.rxBytes, 10);
    const stale = buildStatus({ nowMs: 200_000, peers, handshakeFreshMs: 180_000, conditions: [], maxDetailPeers: 10, previous: s });
    assert.equal(stale.connected, false, 'a handshake older than 180 s does not count');
    const large = buildStatus({ nowMs: 2000, peers, handshakeFreshMs: 180_000, conditions: [], maxDetailPeers: 9 });
    assert.deepEqual(Object.keys(large).sort(), ['conditions', 'connected', 'endpointDiscoveryMethod', 'natType', 'pathSummary']);
    assert.deepEqual(large.pathSummary, { direct: 0, relay: 10, none: 0 });
    const later = buildStatus({ nowMs: 90_000, peers: peers.map((p) => ({ ...p, lastHandshakeMs: 80_000, rxBytes: 99 })), handshakeFreshMs: 180_000, conditions: [], maxDetailPeers: 9, previous: large });
    assert.deepEqual(later, large, 'beyond the detail bound a steady mesh has nothing to write');
  });

  it('writes material changes at once (min gap), counters per refresh, only changed fields, retries failures', async () => {
    const clock = new FakeClock();
    const written: unknown[] = [];
    let fail = false;
    const w = new PeerStatusPublisher({
      name: 'a',
      patchStatus: async (_name, patch) => {
        if (fail) throw new Error('ECONNREFUSED');
        written.push(patch);
      },
      clock,
      rng: seededRng(1),
      logger: nullLogger,
      minGapMs: 1000,
      refreshMs: 30_000,
    });
    const st = (connected: boolean, rx: number): PeerStatus => ({ connected, rxBytes: rx });
    w.offer(st(false, 0));
    await clock.advance(0);
    assert.deepEqual(written, [{ connected: false, rxBytes: 0 }]);
    w.offer(st(false, 0));
    w.offer(st(true, 0));
    await clock.advance(999);
    assert.equal(written.length, 1, 'min gap');
    await clock.advance(1);
    assert.deepEqual(written[1], { connected: true }, 'only the changed field is patched');
    w.offer(st(true, 5));
    await clock.advance(28_000);
    w.offer(st(true, 7));
    await clock.advance(999);
    assert.equal(written.length, 2, 'counters wait for the refresh');
    await clock.advance(1);
    assert.deepEqual(written[2], { rxBytes: 7 }, 'the newest held counters go out when the refresh is due');
    fail = true;
    w.offer(st(false, 7));
    await clock.advance(5000);
    assert.equal(written.length, 3);
    fail = false;
    await clock.advance(60_000);
    assert.deepEqual(written[3], { connected: false }, 'the newest status is written once the server is back');
    assert.equal(w.writes, 4);
    w.close();
  });

  it('writes planning facts after the min gap and health after a gap that grows with the peer count', async () => {
    assert.equal(healthGapMs(7, 30_000), 2100);
    assert.equal(healthGapMs(1000, 30_000), 300_000);
    const clock = new FakeClock();
    const written: unknown[] = [];
    const w = new PeerStatusPublisher({ name: 'a', patchStatus: async (_n, patch) => void written.push(patch), clock, rng: seededRng(1), logger: nullLogger, minGapMs: 1000, refreshMs: 30_000 });
    const st = (relay: number, natType: PeerStatus['natType'] = 'unknown'): PeerStatus => ({ natType, pathSummary: { direct: 0, relay, none: 1000 - relay } });
    w.offer(st(0));
    await clock.advance(0);
    assert.equal(written.length, 1);
    for (let t = 0; t < 299; t++) {
      w.offer(st(t + 1));
      await clock.advance(1000);
    }
    assert.equal(written.length, 1, 'health churn at 1000 peers waits out the 300 s gap');
    w.offer(st(300, 'symmetric'));
    await clock.advance(0);
    assert.deepEqual(written[1], { natType: 'symmetric', pathSummary: { relay: 300, none: 700 } }, 'a NAT change goes out at once, with the newest health');
    w.offer(st(301, 'symmetric'));
    await clock.advance(299_999);
    assert.equal(written.length, 2, 'held for the health gap');
    w.offer(st(302, 'symmetric'));
    await clock.advance(1);
    assert.deepEqual(written[2], { pathSummary: { relay: 302, none: 698 } }, 'then the newest health');
    w.close();
  });
});
