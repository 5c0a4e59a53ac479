import assert from 'node:assert/strict';
import type { PeerStatus, WireKubePeer } from '@wirekube/k8s';
import { explainPair } from './explain';
import { behaviourOf } from './mesh-view';

const NOW = Date.parse('2026-05-01T12:00:00Z');
function peer(name: string, endpoint: string | undefined, status: PeerStatus | undefined): WireKubePeer {
  return { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name }, spec: { publicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', endpoint }, status };
}
const cone = (name: string, ip: string, paths: PeerStatus['paths'] = []) =>
  peer(name, `${ip}:51822`, { natType: 'port-restricted-cone', nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPattern: 'preserving' }, paths });
const opts = { birthday: false, meshName: 'default', nowMs: NOW };

describe('explainPair', () => {
  it('agrees with a direct cone↔cone pair and says what happens if the path breaks', () => {
    const a = cone('a', '203.0.113.1', [{ peer: 'b', path: 'direct', reason: 'punched' }]);
    const b = cone('b', '198.51.100.2', [{ peer: 'a', path: 'direct', reason: 'punched' }]);
    const e = explainPair(a, b, opts);
    assert.equal(e.plan?.kind, 'direct');
    assert.match(e.verdict, /^The pair is direct, as the planner expects: port-restricted↔port-restricted: both mappings endpoint-independent/);
    assert.match(e.changes[0], /back to the relay/);
  });

  it('flags a pair the planner would connect directly but that is still relayed', () => {
    const a = cone('a', '203.0.113.1', [{ peer: 'b', path: 'relay', reason: 'waiting' }]);
    const e = explainPair(a, cone('b', '198.51.100.2'), opts);
    assert.match(e.verdict, /allows a direct path .* but the nodes publish relay: punching has not succeeded yet/);
  });

  it('finds the birthday attack and friendlier NATs for a random symmetric pair, and nothing with the attack on', () => {
    const sym = peer('s', '192.0.2.9:40000', { natType: 'symmetric', nat: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPattern: 'random' } });
    const e = explainPair(cone('a', '203.0.113.1'), sym, opts);
    assert.equal(e.plan?.kind, 'relay');
    assert.match(e.changes[0], /^enable the birthday attack .*p≈/);
    assert.ok(e.changes.some((c) => c.startsWith('forward UDP 51822 to a on its router')), e.changes.join('\n'));
    assert.ok(e.changes.some((c) => c.startsWith('put s behind a NAT with endpoint-independent mapping')), e.changes.join('\n'));
    const on = explainPair(cone('a', '203.0.113.1'), sym, { ...opts, birthday: true });
    assert.equal(on.plan?.kind, 'birthday');
  });

  it('says relay-only for a UDP-blocked side and asks for outbound UDP', () => {
    const blocked = peer('u', undefined, { natType: 'udp-blocked' });
    const e = explainPair(cone('a', '203.0.113.1'), blocked, opts);
    assert.equal(e.plan?.kind, 'relay');
    assert.equal(e.changes[0], 'allow outbound UDP from u (it has no UDP path out; only the relay reaches it)');
  });

  it('waits for NAT discovery instead of guessing', () => {
    const e = explainPair(cone('a', '203.0.113.1'), peer('n', undefined, undefined), opts);
    assert.equal(e.plan, undefined);
    assert.match(e.verdict, /^n has not published a NAT type yet/);
  });

  it('derives planner behaviour from the published type when detail is missing', () => {
    assert.deepEqual(behaviourOf(peer('x', '10.0.0.1:51822', { natType: 'restricted-cone' })), {
      type: 'restricted-cone', mapping: 'endpoint-independent', filtering: 'address-dependent', portPreserved: false, allocation: 'unknown', allocationDelta: 0, mapped: { ip: '10.0.0.1', port: 51822 },
    });
    assert.equal(behaviourOf(peer('x', undefined, { natType: 'open' }))?.mapping, 'none');
  });
});
