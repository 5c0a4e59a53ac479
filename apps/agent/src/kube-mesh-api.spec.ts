import { strict as assert } from 'node:assert';
import { CoreV1Api } from '@kubernetes/client-node';
import type { WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import { startTestCluster, type TestCluster } from '@wirekube/k8s/testing';
import { cryptoRng, nullLogger, systemClock } from '@wirekube/util';
import { KubeMeshApi, MANAGED_ALLOWED_IPS_ANNOTATION } from './kube-mesh-api';

/** KubeMeshApi against the Kubernetes API TEST DOUBLE (real HTTP, real watches). */
describe('KubeMeshApi (informers of @wirekube/k8s against the API test double)', function () {
  this.timeout(20_000);
  let cluster: TestCluster;
  let api: KubeMeshApi;
  let changes = 0;
  const until = async (what: string, ok: () => boolean) => {
    const end = Date.now() + 5000;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeEach(async () => {
    cluster = await startTestCluster();
    api = new KubeMeshApi(cluster.kubeConfig, { clock: systemClock, rng: cryptoRng, logger: nullLogger });
    changes = 0;
    api.onChange(() => changes++);
  });
  afterEach(async () => {
    await api.close();
    await cluster.stop();
  });

  it('is synced after the first lists, follows the mesh and peers, and ignores status-only churn', async () => {
    assert.equal(api.synced(), false);
    await api.start();
    assert.equal(api.synced(), true);
    assert.ok(changes >= 1, 'an empty first list still reports a change (the mesh is absent)');
    await cluster.apis.meshes.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubeMesh', metadata: { name: 'default' }, spec: { stunServers: ['198.18.0.10:3478', '198.18.0.11:3478'] } } as WireKubeMesh);
    await cluster.apis.peers.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name: 'b' }, spec: { publicKey: `${'B'.repeat(42)}A=`, allowedIPs: ['10.250.0.2/32'] } } as WireKubePeer);
    await until('mesh and peer in the caches', () => api.mesh('default') !== undefined && api.peers().length === 1);
    const before = changes;
    await cluster.apis.peers.mergePatchStatus('b', { status: { connected: true, rxBytes: 5 } });
    await until('status update in the cache', () => api.peers()[0]?.status?.connected === true);
    assert.equal(changes, before, 'a status-only write of another node costs no reconcile');
    await cluster.apis.peers.mergePatch('b', { spec: { allowedIPs: ['10.250.0.2/32', '10.20.0.0/24'] } });
    await until('spec change reported', () => changes > before);
    await cluster.apis.peers.delete('b');
    await until('delete seen', () => api.peers().length === 0);
  });

  it('creates its own peer owned by the Node, patches spec and annotation, removes a dropped endpoint, writes status', async () => {
    await api.start();
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: 'a' }, status: { addresses: [{ type: 'InternalIP', address: '10.1.0.10' }] } } });
    const node = await api.node('a');
    assert.equal(node.internalIp, '10.1.0.10');
    await assert.rejects(api.node('missing'), /Node missing does not exist/);
    const key = `${'A'.repeat(42)}E=`;
    await api.upsertOwnPeer('a', node, { spec: { publicKey: key, endpoint: '198.18.1.10:51822', allowedIPs: ['10.250.0.1/32'] }, managedAllowedIPs: ['10.250.0.1/32'] });
    let own = await cluster.apis.peers.get('a');
    assert.deepEqual(own?.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'a', uid: node.uid }]);
    assert.equal(own?.metadata?.annotations?.[MANAGED_ALLOWED_IPS_ANNOTATION], '10.250.0.1/32');
    await api.upsertOwnPeer('a', node, { spec: { publicKey: key, allowedIPs: ['10.250.0.1/32', '10.1.0.10/32'] }, managedAllowedIPs: ['10.250.0.1/32', '10.1.0.10/32'] });
    own = await cluster.apis.peers.get('a');
    assert.equal(own?.spec.endpoint, undefined, 'the endpoint the node no longer has is removed');
    assert.deepEqual(own?.spec.allowedIPs, ['10.250.0.1/32', '10.1.0.10/32']);
    await api.writeStatus('a', { connected: true } as never);
    assert.equal((await cluster.apis.peers.get('a'))?.status?.connected, true);
  });
});
