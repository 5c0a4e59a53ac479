import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import type { MeshConfig, MeshPeer } from './domain';
import { deriveMeshIp } from './mesh-ip';
import { planNode, type NodeSnapshot, type PathState } from './node-plan';
import { renderPlan } from './plan-text';

const mesh: MeshConfig = {
  listenPort: 51822,
  interfaceName: 'wire_kube',
  mtu: 1420,
  stunServers: [],
  meshCidr: '100.96.0.0/16',
  includeNodeInternalIp: false,
  excludeCidrs: ['10.20.5.0/24'],
  birthdayAttack: false,
  relay: { mode: 'auto', endpoints: [], transport: 'tcp' },
};
const key = (c: string) => Buffer.alloc(32, c.charCodeAt(0)).toString('base64');
const peer = (name: string, allowedIps: string[], extra: Partial<MeshPeer> = {}): MeshPeer => ({
  name,
  publicKey: key(name.slice(-1)),
  allowedIps,
  persistentKeepaliveSec: 25,
  natType: 'unknown',
  terminating: false,
  ...extra,
});
const relay = (port: number): PathState => ({ kind: 'relay', endpoint: { host: '127.0.0.1', port }, reason: 'relay first' });

function snapshot(over: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return {
    node: 'node-a',
    publicKey: key('a'),
    meshIp: '100.96.0.1',
    mesh,
    peers: [
      peer('node-a', ['100.96.0.1/32']),
      peer('node-b', ['100.96.0.2/32', '10.20.0.0/16']),
      peer('node-c', ['100.96.0.3/32']),
      peer('node-d', ['100.96.0.4/32']),
    ],
    paths: new Map<string, PathState>([
      ['node-b', { kind: 'direct', endpoint: { host: '198.51.100.7', port: 51822 }, reason: 'punched' }],
      ['node-c', relay(40001)],
      ['node-d', { kind: 'down', reason: 'no relay session yet' }],
    ]),
    apiServerIps: ['10.96.0.1'],
    ...over,
  };
}

describe('planNode', () => {
  it('plans peers for everyone, routes only for usable paths, exclusions as throw routes, rules', () => {
    assert.deepEqual(renderPlan(planNode(snapshot())), [
      'link wire_kube listen-port 51822 fwmark 0x574b mtu 1420',
      'ip address add 100.96.0.1/32 dev wire_kube',
      `wg peer node-b ${key('b')} allowed-ips 10.20.0.0/16,100.96.0.2/32 endpoint 198.51.100.7:51822 keepalive 25`,
      `wg peer node-c ${key('c')} allowed-ips 100.96.0.3/32 endpoint 127.0.0.1:40001 keepalive 25`,
      `wg peer node-d ${key('d')} allowed-ips 100.96.0.4/32 endpoint (unchanged) keepalive 25`,
      'ip route add 10.20.0.0/16 dev wire_kube src 100.96.0.1 table 22347 metric 200',
      'ip route add throw 10.20.5.0/24 table 22347 metric 200',
      'ip route add 100.96.0.2/32 dev wire_kube src 100.96.0.1 table 22347 metric 200',
      'ip route add 100.96.0.3/32 dev wire_kube src 100.96.0.1 table 22347 metric 200',
      'ip rule add priority 100 fwmark 0x574b lookup main',
      'ip rule add priority 150 to 10.96.0.1/32 lookup main',
      'ip rule add priority 200 lookup 22347',
    ]);
  });

  it('plans the same the second time (parsed prefixes are shared across plans) and routes a prefix two peers claim once', () => {
    const first = renderPlan(planNode(snapshot()));
    assert.deepEqual(renderPlan(planNode(snapshot())), first);
    // node-c claims node-b's prefix too: claimed AllowedIPs are refused, so it is routed (once) to node-b.
    const dup = planNode(snapshot({ peers: [...snapshot().peers.slice(0, 2), peer('node-c', ['100.96.0.3/32', '10.20.0.0/16']), snapshot().peers[3]!] }));
    assert.equal(dup.routes.filter((r) => r.cidr === '10.20.0.0/16').length, 1);
    assert.equal(dup.routes.filter((r) => r.type === 'throw' && r.cidr === '10.20.5.0/24').length, 1);
  });

  it('hands out the same peer entries and routes while a peer is unchanged, new ones once it changes, all frozen', () => {
    const s = snapshot();
    const first = planNode(s);
    const again = planNode({ ...s, paths: new Map(s.paths) });
    assert.ok(first.peers.every((p, i) => p === again.peers[i]));
    assert.ok(first.routes.filter((r) => r.type === 'unicast').every((r) => again.routes.includes(r)));
    assert.ok(Object.isFrozen(first.peers[0]) && Object.isFrozen(first.routes[0]));
    // node-c's relay port moves: only its entry is new.
    const movedPaths = new Map([...s.paths, ['node-c', relay(40002)]]);
    const moved = planNode({ ...s, paths: movedPaths });
    assert.deepEqual(moved.peers.map((p, i) => p === first.peers[i]), [true, false, true]);
    assert.deepEqual(moved.peers[1]!.endpoint, { host: '127.0.0.1', port: 40002 });
    // A new translation of node-b (its object changed) gets a new entry even with equal content.
    const peers = s.peers.map((p) => (p.name === 'node-b' ? { ...p } : p));
    assert.deepEqual(planNode({ ...s, peers, paths: movedPaths }).peers.map((p, i) => p === moved.peers[i]), [false, true, true]);
  });

  it('is the same plan whatever order the peers arrive in', () => {
    const base = renderPlan(planNode(snapshot()));
    const rng = seededRng(3);
    for (let i = 0; i < 20; i++) {
      const peers = [...snapshot().peers].sort(() => rng.next() - 0.5);
      assert.deepEqual(renderPlan(planNode(snapshot({ peers }))), base);
    }
  });

  it('installs no routes or rules when the node has no AllowedIPs of its own', () => {
    const s = snapshot({ peers: [peer('node-a', []), ...snapshot().peers.slice(1)] });
    const plan = planNode(s);
    assert.equal(plan.peers.length, 3);
    assert.deepEqual([plan.routes, plan.rules], [[], []]);
  });

  it('drops a disappeared or terminating peer everywhere', () => {
    const peers = snapshot().peers.map((p) => (p.name === 'node-b' ? { ...p, terminating: true } : p)).filter((p) => p.name !== 'node-c');
    const lines = renderPlan(planNode(snapshot({ peers })));
    assert.ok(!lines.some((l) => l.includes('node-b') || l.includes('node-c') || l.includes('100.96.0.2') || l.includes('10.20.')), lines.join('\n'));
  });

  it('leaves out peers with duplicate keys or claimed AllowedIPs and says why', () => {
    const peers = [
      ...snapshot().peers,
      peer('node-e', ['100.96.0.9/32'], { publicKey: key('b') }),
      peer('node-f', ['100.96.0.3/32']),
      peer('node-g', ['100.96.0.7/32'], { publicKey: key('a') }),
      peer('node-h', ['100.96.0.1/32']),
    ];
    const plan = planNode(snapshot({ peers }));
    assert.deepEqual(plan.problems, [
      { node: 'node-e', reason: 'DuplicatePublicKey', message: 'publicKey is already used by node-b' },
      { node: 'node-f', reason: 'AllowedIPsConflict', message: 'allowedIPs 100.96.0.3/32 is already claimed by node-c' },
      { node: 'node-g', reason: 'DuplicatePublicKey', message: "publicKey is the same as this node's (node-a)" },
      { node: 'node-h', reason: 'AllowedIPsConflict', message: 'allowedIPs 100.96.0.1/32 is already claimed by node-a' },
    ]);
    assert.deepEqual(plan.peers.map((p) => p.node), ['node-b', 'node-c', 'node-d']);
  });

  it('never routes what an exclusion fully covers', () => {
    const s = snapshot({ mesh: { ...mesh, excludeCidrs: ['10.0.0.0/8'] } });
    const routes = planNode(s).routes.map((r) => `${r.type} ${r.cidr}`);
    assert.deepEqual(routes, ['unicast 100.96.0.2/32', 'unicast 100.96.0.3/32']);
  });
});

describe('deriveMeshIp', () => {
  it('is deterministic and inside the block, skipping network and broadcast', () => {
    const a = deriveMeshIp({ node: 'node-a', meshCidr: '100.96.0.0/30', claims: [] });
    assert.deepEqual(a, deriveMeshIp({ node: 'node-a', meshCidr: '100.96.0.0/30', claims: [] }));
    assert.ok(a.ok && ['100.96.0.1', '100.96.0.2'].includes(a.ip), JSON.stringify(a));
  });

  it('moves the later name off a collision and keeps the earlier one', () => {
    const first = deriveMeshIp({ node: 'node-b', meshCidr: '100.96.0.0/16', claims: [] });
    assert.ok(first.ok);
    const clash = [{ node: 'node-b', ip: first.ip }];
    const z = deriveMeshIp({ node: 'node-z', meshCidr: '100.96.0.0/16', claims: clash, current: first.ip });
    assert.ok(z.ok && z.ip !== first.ip, 'node-z must move');
    const b = deriveMeshIp({ node: 'node-b', meshCidr: '100.96.0.0/16', claims: [{ node: 'node-z', ip: first.ip }], current: first.ip });
    assert.deepEqual(b, { ok: true, ip: first.ip, collisionsSkipped: 0 });
  });

  it('gives every node of a crowded block a distinct address and reports a full block', () => {
    const claims: Array<{ node: string; ip: string }> = [];
    for (let i = 0; i < 14; i++) {
      const r = deriveMeshIp({ node: `n${i}`, meshCidr: '10.9.0.0/28', claims });
      assert.ok(r.ok, `n${i}: ${JSON.stringify(r)}`);
      claims.push({ node: `n${i}`, ip: r.ip });
    }
    assert.equal(new Set(claims.map((c) => c.ip)).size, 14);
    assert.deepEqual(deriveMeshIp({ node: 'n99', meshCidr: '10.9.0.0/28', claims }), { ok: false, reason: 'meshCIDR 10.9.0.0/28 is full: no free address for n99' });
    assert.match((deriveMeshIp({ node: 'x', meshCidr: '10.9.0.1/28', claims: [] }) as { reason: string }).reason, /host bits set/);
  });
});
