import { strict as assert } from 'node:assert';
import { deriveMeshIp } from '@wirekube/planner';
import { keyPair, meshObject, peerObject } from './agent-harness';
import { MANAGED_ALLOWED_IPS_ANNOTATION } from './kube-mesh-api';
import { ownMeshIp, ownPeer, ownPeerMatches } from './own-peer';
import { meshFromObject } from './translate';

describe('own WireKubePeer: mesh address and spec', () => {
  const mesh = (() => {
    const m = meshFromObject(meshObject({ autoAllowedIPs: { includeNodeInternalIP: true } }));
    assert.ok(m.ok);
    return m.value;
  })();
  const k = keyPair().pub.toBase64();
  const other = (name: string, allowedIps: string[]) => ({ name, publicKey: k, allowedIps, persistentKeepaliveSec: 25, natType: 'unknown' as const, terminating: false });

  it('derives the same address every time and moves on when an earlier-named node holds it', () => {
    const first = ownMeshIp('node-b', mesh, undefined, []);
    assert.ok(first.ok);
    assert.deepEqual(ownMeshIp('node-b', mesh, undefined, []), first);
    const taken = ownMeshIp('node-b', mesh, undefined, [other('node-a', [`${first.ip}/32`])]);
    assert.ok(taken.ok);
    assert.notEqual(taken.ip, first.ip);
    assert.ok(taken.collisionsSkipped >= 1);
  });

  it('keeps its current address while it stays valid, even if the hash would now pick another', () => {
    const own = peerObject('node-b', k, ['10.250.77.77/32']);
    const r = ownMeshIp('node-b', mesh, own, []);
    assert.ok(r.ok);
    assert.equal(r.ip, '10.250.77.77');
    assert.notEqual(deriveMeshIp({ node: 'node-b', meshCidr: mesh.meshCidr, claims: [] }).ok && r.ip, undefined);
  });

  it('manages the mesh /32 and InternalIP, keeps user entries, drops stale managed ones', () => {
    const existing = peerObject('n', k, ['10.250.1.1/32', '10.1.0.10/32', '192.168.5.0/24']);
    existing.metadata.annotations = { [MANAGED_ALLOWED_IPS_ANNOTATION]: '10.1.0.10/32,10.250.1.1/32' };
    const own = ownPeer({ publicKey: k, mesh, meshIp: '10.250.2.2', internalIp: '10.1.0.11', existing });
    assert.deepEqual(own.spec.allowedIPs, ['10.1.0.11/32', '10.250.2.2/32', '192.168.5.0/24'], 'the old InternalIP goes, the user CIDR stays');
    assert.deepEqual(own.managedAllowedIPs, ['10.1.0.11/32', '10.250.2.2/32']);
    assert.equal(ownPeerMatches(existing, own), false);
    const written = { ...existing, metadata: { ...existing.metadata, annotations: { [MANAGED_ALLOWED_IPS_ANNOTATION]: own.managedAllowedIPs.join(',') } }, spec: own.spec };
    assert.equal(ownPeerMatches(written, own), true);
    const noInternal = ownPeer({ publicKey: k, mesh: { ...mesh, includeNodeInternalIp: false }, meshIp: '10.250.2.2', internalIp: '10.1.0.11', existing: written });
    assert.deepEqual(noInternal.spec.allowedIPs, ['10.250.2.2/32', '192.168.5.0/24']);
  });

  it('keeps a user-added /32 inside the mesh CIDR (a conflict is reported, not repaired) and its own address', () => {
    const existing = peerObject('node-b', k, ['10.250.0.1/32', '10.250.9.9/32']);
    existing.metadata.annotations = { [MANAGED_ALLOWED_IPS_ANNOTATION]: '10.250.9.9/32' };
    const ip = ownMeshIp('node-b', mesh, existing, [other('node-a', ['10.250.0.1/32'])]);
    assert.ok(ip.ok);
    assert.equal(ip.ip, '10.250.9.9');
    assert.deepEqual(ownPeer({ publicKey: k, mesh, meshIp: ip.ip, existing }).spec.allowedIPs, ['10.250.0.1/32', '10.250.9.9/32']);
  });
});
