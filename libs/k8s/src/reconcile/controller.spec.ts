import assert from 'node:assert/strict';
import { seededRng, systemClock } from '@wirekube/util';
import type { WireKubePeer, PeerStatus } from '../crd/peer';
import { Informer } from '../informer/informer';
import { conditionTime, findCondition, setCondition, validityCondition } from '../status/conditions';
import { StatusWriter } from '../status/status-writer';
import { startTestCluster, type TestCluster } from '../testing';
import { translatePeer } from '../translate/translate';
import { Controller } from './controller';

const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Controller: informer → queue → reconcile → status, against the API test double', () => {
  let c: TestCluster;
  beforeEach(async () => (c = await startTestCluster()));
  afterEach(() => c.stop());

  it('reports a Valid condition per peer, with the reason for invalid ones, writing only on change', async () => {
    const peers = new Informer({ api: c.apis.peers, kubeConfig: c.kubeConfig, clock: systemClock, rng: seededRng(1) });
    const status = new StatusWriter<PeerStatus, WireKubePeer>(c.apis.peers, { clock: systemClock, rng: seededRng(2), minIntervalMs: 0 });
    const ctl = new Controller({
      name: 'peer-validity',
      clock: systemClock,
      rng: seededRng(3),
      reconcile: async (key) => {
        const p = peers.get(key);
        if (!p) return status.forget(key);
        status.observe(key, p.status);
        const t = translatePeer(p);
        const cond = validityCondition('Valid', t.ok ? [] : t.problems, p.metadata.generation);
        status.update(key, { ...p.status, conditions: setCondition(p.status?.conditions, cond, conditionTime(Date.now())) });
      },
    }).watch(peers);
    await c.apis.peers.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name: 'good' }, spec: { publicKey: KEY, allowedIPs: ['10.244.1.0/24'] } });
    await c.apis.peers.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name: 'bad' }, spec: { publicKey: KEY, allowedIPs: ['10.244.0.0/16', '10.244.1.0/24'] } });
    await ctl.start();
    const cond = async (name: string) => findCondition((await c.apis.peers.get(name))?.status?.conditions, 'Valid');
    await until(async () => (await cond('good'))?.status === 'True' && (await cond('bad'))?.status === 'False', 'both conditions');
    const bad = await cond('bad');
    assert.equal(bad?.reason, 'OverlappingCIDRs');
    assert.match(bad?.message ?? '', /spec.allowedIPs\[1\]: 10.244.1.0\/24 overlaps 10.244.0.0\/16/);
    // The status writes come back as watch events; reconciling them again must not write again.
    await until(() => peers.get('bad')?.status?.conditions !== undefined && peers.get('good')?.status?.conditions !== undefined, 'informer catch-up');
    await ctl.idle();
    await status.flush();
    const writes = status.stats.writes;
    assert.equal(writes, 2);
    // Fixing the object flips the condition (one more write).
    await c.apis.peers.mergePatch('bad', { spec: { allowedIPs: ['10.244.0.0/16'] } });
    await until(async () => (await cond('bad'))?.status === 'True', 'the fix to be reported');
    assert.equal((await cond('bad'))?.observedGeneration, 2);
    await ctl.stop();
    status.close();
    assert.ok(ctl.stats.reconciles >= 3);
    assert.equal(ctl.stats.errors, 0);
  });
});
