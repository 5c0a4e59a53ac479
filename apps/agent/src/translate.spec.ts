import { strict as assert } from 'node:assert';
import type { WireKubeMesh } from '@wirekube/k8s';
import { keyPair, meshObject, peerObject } from './agent-harness';
import { planningSignature, translateMesh } from './mesh-view';
import { meshFromObject, peerFromObject } from './translate';

describe('translation of WireKube objects', () => {
  it('applies mesh defaults', () => {
    const m = meshFromObject(meshObject());
    assert.ok(m.ok);
    assert.equal(m.value.listenPort, 51822);
    assert.equal(m.value.interfaceName, 'wire_kube');
    assert.deepEqual(m.value.relay, { mode: 'auto', endpoints: [{ host: '198.18.0.20', port: 3478 }], transport: 'tcp' });
  });

  for (const [field, spec, want] of [
    ['meshCIDR', { meshCIDR: '10.0.0.0/99' }, /meshCIDR/],
    ['excludeCIDRs', { routing: { excludeCIDRs: ['nope'] } }, /excludeCIDRs/],
    ['stunServers', { stunServers: ['a:1', 'b'] }, /stunServers: "b" is not host:port/],
    ['mtu', { mtu: 100 }, /mtu: 100/],
  ] as const) {
    it(`rejects a mesh with a bad ${field}, naming it`, () => {
      const m = meshFromObject(meshObject(spec as Partial<WireKubeMesh['spec']>));
      assert.equal(m.ok, false);
      assert.match(m.ok ? '' : m.message, want);
    });
  }

  it('rejects only the peer with a bad key, endpoint or CIDR', () => {
    const k = keyPair().pub.toBase64();
    const bad = [
      peerObject('x', 'AAAA', []),
      { ...peerObject('y', k, []), spec: { publicKey: k, endpoint: 'no-port' } },
      peerObject('z', k, ['10.0.0.0/24', '300.1.1.1/32']),
    ];
    for (const obj of bad) {
      const t = peerFromObject(obj);
      assert.equal(t.ok, false);
      assert.match(t.ok ? '' : t.message, new RegExp(`^${obj.metadata.name}: spec\\.`));
    }
    const view = translateMesh(meshObject(), [...bad, peerObject('ok', k, ['10.1.0.0/24'])], undefined);
    assert.deepEqual(view.peers.map((p) => p.name), ['ok']);
    assert.deepEqual([...view.invalid.keys()].sort(), ['x', 'y', 'z']);
  });

  it('translates an unchanged object once, and again once its status or spec is replaced', () => {
    const { pub } = keyPair();
    const obj = peerObject('b', pub.toBase64(), ['10.20.0.0/24']);
    const first = translateMesh(meshObject(), [obj], undefined).peers[0];
    assert.equal(translateMesh(meshObject(), [obj], undefined).peers[0], first, 'the cached translation');
    obj.status = { natType: 'symmetric' };
    const second = translateMesh(meshObject(), [obj], undefined).peers[0];
    assert.notEqual(second, first);
    assert.equal(second?.natType, 'symmetric');
    obj.spec = { ...obj.spec, allowedIPs: ['10.21.0.0/24'] };
    assert.deepEqual(translateMesh(meshObject(), [obj], undefined).peers[0]?.allowedIps, ['10.21.0.0/24']);
  });

  it('keeps the last good mesh when the object turns invalid or disappears', () => {
    const good = meshFromObject(meshObject());
    assert.ok(good.ok);
    const broken = translateMesh(meshObject({ meshCIDR: 'x' }), [], good.value);
    assert.equal(broken.mesh, good.value);
    assert.match(broken.meshProblem ?? '', /meshCIDR/);
    assert.equal(translateMesh(undefined, [], good.value).mesh, good.value);
    assert.equal(translateMesh(undefined, [], undefined).mesh, undefined);
  });

  it('a status write of counters, paths or conditions does not change the planning signature', () => {
    const p = peerObject('x', keyPair().pub.toBase64(), ['10.1.0.0/24']);
    const base = planningSignature({ ...p, status: { natType: 'symmetric', rxBytes: 1, conditions: [] } });
    assert.equal(planningSignature({ ...p, status: { natType: 'symmetric', rxBytes: 99, pathSummary: { direct: 0, relay: 3, none: 0 } } }), base);
    assert.notEqual(planningSignature({ ...p, status: { natType: 'open' } }), base);
    assert.notEqual(planningSignature({ ...p, spec: { ...p.spec, allowedIPs: [] }, status: { natType: 'symmetric' } }), base);
    assert.notEqual(planningSignature({ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date() }, status: { natType: 'symmetric' } }), base);
  });
});
