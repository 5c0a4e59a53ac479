import assert from 'node:assert/strict';
import { seededRng, systemClock } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import type { WireKubePeer } from '../crd/peer';
import { startTestCluster, type TestCluster } from '../testing';
import { Informer } from './informer';

const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const peer = (name: string): WireKubePeer => ({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name }, spec: { publicKey: KEY } });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Informer against the API test double', () => {
  let c: TestCluster;
  beforeEach(async () => (c = await startTestCluster()));
  afterEach(() => c.stop());

  it('lists, follows the watch, and after 410 relists with synthesised deletes', async () => {
    await c.apis.peers.create(peer('a'));
    await c.apis.peers.create(peer('b'));
    const inf = new Informer({ api: c.apis.peers, kubeConfig: c.kubeConfig, clock: systemClock, rng: seededRng(1), backoff: { initialMs: 10, maxMs: 50 } });
    const seen: string[] = [];
    inf.on({
      onAdd: (p) => seen.push(`add:${p.metadata?.name}`),
      onUpdate: (_o, p) => seen.push(`update:${p.metadata?.name}`),
      onDelete: (p) => seen.push(`delete:${p.metadata?.name}`),
    });
    await inf.start();
    assert.ok(inf.hasSynced);
    await c.apis.peers.mergePatch('a', { spec: { endpoint: '192.0.2.1:51822' } });
    await until(() => seen.includes('update:a'), 'the update');
    // Change things while the informer cannot see them, and make its resourceVersion too old.
    inf.stop();
    await c.apis.peers.delete('b');
    await c.apis.peers.create(peer('c'));
    c.server.store.compact();
    await inf.start();
    c.server.endWatches();
    await until(() => seen.includes('add:c') && seen.includes('delete:b'), 'the relist');
    assert.deepEqual(seen.slice(0, 3), ['add:a', 'add:b', 'update:a']);
    await until(() => c.server.openWatches >= 1, 'the new watch');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.server.openWatches, 1, 'a restarted informer holds exactly one watch');
    assert.deepEqual(inf.list().map((p) => p.metadata?.name).sort(), ['a', 'c']);
    assert.equal(inf.get('a')?.spec.endpoint, '192.0.2.1:51822');
    inf.stop();
  });

  it('re-delivers every object on resync', async () => {
    await c.apis.peers.create(peer('a'));
    const clock = new FakeClock(0);
    const inf = new Informer({ api: c.apis.peers, kubeConfig: c.kubeConfig, clock, rng: seededRng(1), resyncIntervalMs: 30_000 });
    let resyncs = 0;
    inf.on({ onUpdate: (o, p) => void (o === p && resyncs++) });
    await inf.start();
    await clock.advance(29_999);
    assert.equal(resyncs, 0);
    await clock.advance(1);
    assert.equal(resyncs, 1);
    await clock.advance(30_000);
    assert.equal(resyncs, 2);
    inf.stop();
  });

  it('keeps retrying while the API is unreachable, and syncs once it is back', async () => {
    const port = Number(new URL(c.server.url).port);
    await c.stop();
    const clock = new FakeClock(0);
    const inf = new Informer({ api: c.apis.peers, kubeConfig: c.kubeConfig, clock, rng: seededRng(1), backoff: { initialMs: 100, maxMs: 100, jitter: 0 } });
    const synced = inf.start();
    await until(() => clock.pending > 0, 'a scheduled retry');
    await clock.advance(100);
    await until(() => clock.pending > 0, 'a second retry');
    assert.equal(inf.hasSynced, false);
    c = await startTestCluster({ port });
    await c.apis.peers.create(peer('late'));
    await clock.advance(100);
    await synced;
    assert.deepEqual(inf.list().map((p) => p.metadata?.name), ['late']);
    inf.stop();
  });
});
