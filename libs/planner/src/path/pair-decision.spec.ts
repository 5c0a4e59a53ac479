import assert from 'node:assert/strict';
import { gatherCandidates, type NatBehaviour, type PunchSide } from '@wirekube/nat';
import { seededRng } from '@wirekube/util';
import type { MeshPeer } from '../domain';
import { birthdayAllowed, decidePair, punchSideOfPeer, type PairInput } from './pair-decision';

const PORT: Omit<NatBehaviour, 'mapped' | 'local'> = { type: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPreserved: true, allocation: 'preserving', allocationDelta: 0 };
const SYM: Omit<NatBehaviour, 'mapped' | 'local'> = { type: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPreserved: false, allocation: 'random', allocationDelta: 0 };
const BLOCKED: Omit<NatBehaviour, 'mapped' | 'local'> = { type: 'udp-blocked', mapping: 'unknown', filtering: 'unknown', portPreserved: false, allocation: 'unknown', allocationDelta: 0 };

function side(shape: Omit<NatBehaviour, 'mapped' | 'local'>, host: string, publicIp?: string, port = 51822): PunchSide {
  const nat: NatBehaviour = { ...shape, local: { ip: host, port }, ...(publicIp && { mapped: { ip: publicIp, port } }) };
  return { nat, candidates: gatherCandidates(nat, [{ ip: host, port }]) };
}

/** Decides the pair from both ends and checks they agree on the mode. */
function both(a: PunchSide, b: PunchSide, extra: Partial<PairInput> = {}, subnetsA: string[] = [], subnetsB: string[] = []) {
  const base = { relayMode: 'auto' as const, meshBirthday: false, rng: seededRng(3), ...extra };
  const da = decidePair({ ...base, local: a, remote: b, localSubnets: subnetsA });
  const db = decidePair({ ...base, local: b, remote: a, localSubnets: subnetsB, ...(extra.localBirthday !== undefined && { remoteBirthday: extra.localBirthday }), ...(extra.remoteBirthday !== undefined && { localBirthday: extra.remoteBirthday }) });
  assert.equal(da.mode, db.mode, `${da.reason} / ${db.reason}`);
  return da;
}

describe('pair matrix', () => {
  it('punches same-LAN pairs at host candidates first, even when each leaves through its own symmetric NAT', () => {
    const a = side(SYM, '10.0.1.2', '198.51.100.1');
    const b = side(SYM, '10.0.1.3', '198.51.100.2');
    const d = both(a, b, {}, ['10.0.1.2/24', 'fd00::2/64'], ['10.0.1.3/24']);
    assert.equal(d.reason, 'same LAN (10.0.1.0/24): host candidates first');
    assert.equal(d.plan.kind, 'direct');
    assert.deepEqual(d.plan.kind === 'direct' && d.plan.targets[0], { ip: '10.0.1.3', port: 51822 });
    // Without the shared subnet, the same pair is relayed and the reason says why.
    assert.equal(decidePair({ local: a, remote: b, localSubnets: ['10.9.0.2/24'], relayMode: 'auto', meshBirthday: false, rng: seededRng(1) }).mode, 'relay');
  });

  it('punches a same-LAN pair even when UDP to the internet is blocked', () => {
    const d = both(side(BLOCKED, '10.0.1.2'), side(BLOCKED, '10.0.1.3'), {}, ['10.0.1.2/24'], ['10.0.1.3/24']);
    assert.equal(d.mode, 'direct');
    assert.equal(both(side(BLOCKED, '10.0.1.2'), side(BLOCKED, '10.0.1.3')).reason, 'udp-blocked↔udp-blocked: this side has no UDP path out; relay only');
  });

  it('punches same-NAT pairs at host candidates first (two nodes behind one NAT, same listen port)', () => {
    const a = side(PORT, '192.168.1.2', '203.0.113.9');
    const b = { ...side(PORT, '192.168.7.3', '203.0.113.9'), nat: { ...side(PORT, '192.168.7.3', '203.0.113.9').nat, mapped: { ip: '203.0.113.9', port: 1025 } } };
    const d = both(a, b);
    assert.equal(d.reason, 'same NAT (public 203.0.113.9): host candidates first');
    assert.deepEqual(d.plan.kind === 'direct' && d.plan.targets[0], { ip: '192.168.7.3', port: 51822 });
  });

  it('uses the birthday attack for port-restricted↔random-symmetric only when the mesh or an annotation enables it', () => {
    const a = side(PORT, '10.0.1.2', '198.51.100.1');
    const b = side(SYM, '10.0.2.2', '198.51.100.2');
    assert.deepEqual(
      [both(a, b), both(a, b, { meshBirthday: true }), both(a, b, { remoteBirthday: true }), both(a, b, { meshBirthday: true, localBirthday: false })].map((d) => d.mode),
      ['relay', 'birthday', 'birthday', 'relay'],
    );
    assert.equal(both(a, b).reason, 'port-restricted↔symmetric: direct impossible without port prediction (birthday attack disabled)');
    assert.match(both(a, b, { meshBirthday: true }).reason, /^port-restricted↔symmetric: random port allocation, birthday attack with 256 sockets × 5000 probes \(p≈[01]\.\d\d\)$/);
  });

  it('never lets a birthday annotation reach a pair the matrix can punch directly or must relay', () => {
    const cone = both(side(PORT, '10.0.1.2', '198.51.100.1'), side(PORT, '10.0.2.2', '198.51.100.2'), { meshBirthday: true });
    assert.equal(cone.reason, 'port-restricted↔port-restricted: both mappings endpoint-independent, simultaneous punch');
    assert.equal(both(side(SYM, '10.0.1.2', '198.51.100.1'), side(SYM, '10.0.2.2', '198.51.100.2'), { remoteBirthday: true }).mode, 'relay');
  });

  it('resolves the birthday setting the same way from both ends', () => {
    const table: Array<[boolean, boolean | undefined, boolean | undefined, boolean]> = [
      [false, undefined, undefined, false],
      [true, undefined, undefined, true],
      [false, true, undefined, true],
      [false, undefined, true, true],
      [true, false, undefined, false],
      [true, true, false, false],
    ];
    for (const [mesh, l, r, want] of table) {
      assert.equal(birthdayAllowed(mesh, l, r), want);
      assert.equal(birthdayAllowed(mesh, r, l), want);
    }
  });

  it('relays everything under relay.mode=always, LAN pairs included', () => {
    const d = both(side(PORT, '10.0.1.2', '198.51.100.1'), side(PORT, '10.0.1.3', '198.51.100.2'), { relayMode: 'always' }, ['10.0.1.2/24'], ['10.0.1.3/24']);
    assert.deepEqual(d, { mode: 'relay', reason: 'relay.mode=always: every pair is relayed', plan: { kind: 'relay', reason: 'relay.mode=always: every pair is relayed' } });
  });

  it('skips malformed interface subnets instead of failing', () => {
    const d = decidePair({ local: side(PORT, '10.0.1.2', '198.51.100.1'), remote: side(PORT, '10.0.1.3', '198.51.100.2'), localSubnets: ['garbage', '10.0.1.2/99', '10.0.1.2', '10.0.1.2/0', '::zz/64'], relayMode: 'auto', meshBirthday: false, rng: seededRng(1) });
    assert.equal(d.reason, 'port-restricted↔port-restricted: both mappings endpoint-independent, simultaneous punch');
  });

  it('builds a peer side from its WireKubePeer (type, behaviour, published endpoint)', () => {
    const peer: MeshPeer = {
      name: 'b', publicKey: 'k', allowedIps: [], persistentKeepaliveSec: 25, terminating: false, natType: 'symmetric',
      nat: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPattern: 'sequential', portDelta: 2 },
      endpoint: { host: '198.51.100.2', port: 40000 },
    };
    const s = punchSideOfPeer(peer, [{ ip: '10.0.2.2', port: 51822 }]);
    assert.deepEqual(s.nat, { type: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPreserved: false, allocation: 'sequential', allocationDelta: 2, mapped: { ip: '198.51.100.2', port: 40000 } });
    assert.deepEqual(s.candidates.map((c) => c.kind), ['host', 'server-reflexive']);
    const open = punchSideOfPeer({ ...peer, natType: 'open' });
    assert.equal(open.nat.mapping, 'none');
    const d = decidePair({ local: side(PORT, '10.0.1.2', '198.51.100.1'), remote: s, localSubnets: [], relayMode: 'auto', meshBirthday: false, rng: seededRng(1) });
    assert.equal(d.reason, 'port-restricted↔symmetric: symmetric side allocates sequential (delta 2); punching predicted ports');
  });
});
