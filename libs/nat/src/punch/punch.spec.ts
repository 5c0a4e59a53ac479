import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { discoverNat } from '../discovery/discover';
import type { NatBehaviour } from '../nat/behaviour';
import { SimNetwork, type SimNat, type SimNatOptions } from '../testing/nat-sim';
import { runUntilSettled } from '../testing/run';
import { startSimStunServer } from '../testing/stun-fixture';
import { gatherCandidates } from './candidates';
import { executePunch } from './executor';
import { planPunch, type PunchSide } from './planner';
import { decodeProbe, encodeProbe } from './probe-packet';
import { spray } from './sprayer';

type NatSpec = Omit<SimNatOptions, 'publicIp'>;
const CONE: NatSpec = { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' };
const SYMMETRIC: NatSpec = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random' };
const token = Buffer.alloc(16, 7);

interface Site {
  nat: SimNat | undefined;
  hostIp: string;
  side: PunchSide;
}

/** Puts a host behind `spec` (or on the public net), discovers its NAT and lists its candidates. */
async function site(net: SimNetwork, clock: FakeClock, publicIp: string, hostIp: string, spec: NatSpec | undefined, nat?: SimNat): Promise<Site> {
  const box = nat ?? (spec && net.addNat({ publicIp, ...spec }));
  const report = await runUntilSettled(clock, discoverNat({ servers: [{ ip: '198.51.100.1', port: 3478 }], open: net.factory(hostIp, box), clock, rng: seededRng(4), localPort: 51822 }));
  const candidates = gatherCandidates(report, [{ ip: hostIp, port: 51822 }]);
  return { nat: box, hostIp, side: { nat: report, candidates } };
}

/** Both sides plan and execute at the same agreed start; returns what each side won. */
async function punch(net: SimNetwork, clock: FakeClock, a: Site, b: Site, birthday = false) {
  const startAtMs = clock.now() + 20;
  const run = (me: Site, peer: Site, seed: number) => {
    const plan = planPunch(me.side, peer.side, seededRng(seed), { birthday });
    const port = net.bind(me.hostIp, 51822, me.nat);
    return executePunch(plan, { port, open: net.factory(me.hostIp, me.nat), token, clock, startAtMs }).then((win) => ({ plan, win }));
  };
  return runUntilSettled(clock, Promise.all([run(a, b, 1), run(b, a, 2)]), 5);
}

describe('hole punching on the NAT simulator', () => {
  let clock: FakeClock;
  let net: SimNetwork;
  beforeEach(() => {
    clock = new FakeClock();
    net = new SimNetwork({ clock, rng: seededRng(11) });
    startSimStunServer(net);
  });

  it('punches between two port-restricted cones', async () => {
    const a = await site(net, clock, '203.0.113.1', '10.0.1.2', CONE);
    const b = await site(net, clock, '203.0.113.2', '10.0.2.2', CONE);
    const [ra, rb] = await punch(net, clock, a, b);
    assert.equal(ra.plan.kind, 'direct');
    assert.equal(ra.plan.reason, 'port-restricted↔port-restricted: both mappings endpoint-independent, simultaneous punch');
    assert.deepEqual(ra.win?.remote, { ip: '203.0.113.2', port: 51822 });
    assert.deepEqual(rb.win?.remote, { ip: '203.0.113.1', port: 51822 });
  });

  it('relays port-restricted↔symmetric without port prediction, with a reason for people', async () => {
    const a = await site(net, clock, '203.0.113.1', '10.0.1.2', CONE);
    const b = await site(net, clock, '203.0.113.2', '10.0.2.2', SYMMETRIC);
    const plan = planPunch(a.side, b.side, seededRng(1));
    assert.deepEqual(plan, { kind: 'relay', reason: 'port-restricted↔symmetric: direct impossible without port prediction (birthday attack disabled)' });
    assert.equal(planPunch(b.side, a.side, seededRng(1)).kind, 'relay');
  });

  it('wins a birthday attack between a port-restricted cone and a random symmetric NAT', async () => {
    const a = await site(net, clock, '203.0.113.1', '10.0.1.2', CONE);
    const b = await site(net, clock, '203.0.113.2', '10.0.2.2', SYMMETRIC);
    const [ra, rb] = await punch(net, clock, a, b, true);
    assert.equal(ra.plan.kind === 'birthday' && ra.plan.role, 'many-ports');
    assert.equal(rb.plan.kind === 'birthday' && rb.plan.role, 'many-sockets');
    assert.ok(ra.win && rb.win, 'both sides connected');
    // The cone reached one of the symmetric side's extra sockets through its fresh mapping,
    // and that socket's peer is the cone's one mapping.
    assert.equal(ra.win.remote.ip, '203.0.113.2');
    assert.deepEqual(rb.win.remote, { ip: '203.0.113.1', port: 51822 });
    assert.notEqual(rb.win.port.local.port, 51822);
    // The path is real: a datagram on the winning pair gets through both NATs.
    const got = new Promise<Buffer>((resolve) => rb.win!.port.onMessage((d) => resolve(d)));
    await ra.win.port.send(encodeProbe('probe', Buffer.alloc(16, 9), 77), ra.win.remote);
    assert.equal(decodeProbe(await runUntilSettled(clock, got))?.seq, 77);
  });

  it('punches a sequential symmetric NAT through predicted ports, no birthday needed', async () => {
    const a = await site(net, clock, '203.0.113.1', '10.0.1.2', CONE);
    const b = await site(net, clock, '203.0.113.2', '10.0.2.2', { ...SYMMETRIC, allocation: 'sequential', delta: 1 });
    assert.deepEqual([b.side.nat.allocation, b.side.nat.allocationDelta], ['sequential', 1]);
    // The symmetric side offers the ports right after its newest mapping, first one first.
    const predicted = b.side.candidates.filter((c) => c.kind === 'predicted');
    assert.equal(predicted.length, 16);
    assert.equal(predicted[0]!.address.port, b.side.nat.allocationLastPort! + 1);
    const [ra, rb] = await punch(net, clock, a, b);
    assert.match(ra.plan.reason, /sequential \(delta 1\); punching predicted ports/);
    assert.ok(ra.win && rb.win);
  });

  it('goes direct symmetric↔full cone and symmetric↔restricted cone', async () => {
    for (const filtering of ['endpoint-independent', 'address-dependent'] as const) {
      const n = new SimNetwork({ clock, rng: seededRng(5) });
      startSimStunServer(n);
      const a = await site(n, clock, '203.0.113.1', '10.0.1.2', { mapping: 'endpoint-independent', filtering });
      const b = await site(n, clock, '203.0.113.2', '10.0.2.2', SYMMETRIC);
      const [ra, rb] = await punch(n, clock, a, b);
      assert.equal(ra.plan.kind, 'direct');
      assert.ok(ra.win && rb.win, filtering);
    }
  });

  it('uses host candidates for two nodes behind one NAT', async () => {
    const a = await site(net, clock, '203.0.113.1', '10.0.1.2', CONE);
    const b = await site(net, clock, '203.0.113.1', '10.0.1.3', undefined, a.nat);
    const [ra, rb] = await punch(net, clock, a, b);
    assert.match(ra.plan.reason, /^same NAT/);
    assert.deepEqual(ra.win?.remote, { ip: '10.0.1.3', port: 51822 });
    assert.deepEqual(rb.win?.remote, { ip: '10.0.1.2', port: 51822 });
  });

  it('relays symmetric↔symmetric and anything with UDP blocked', () => {
    let host = 0;
    const nat = (type: NatBehaviour['type'], mapping: NatBehaviour['mapping']): PunchSide => ({
      nat: { type, mapping, filtering: 'address-and-port-dependent', portPreserved: false, allocation: 'random', allocationDelta: 0, mapped: { ip: `192.0.2.${++host}`, port: 1 } },
      candidates: [],
    });
    assert.equal(planPunch(nat('symmetric', 'address-and-port-dependent'), nat('symmetric', 'address-dependent'), seededRng(1), { birthday: true }).reason, 'symmetric↔symmetric: both sides pick a new port per destination; direct impossible');
    assert.equal(planPunch(nat('udp-blocked', 'unknown'), nat('full-cone', 'endpoint-independent'), seededRng(1)).reason, 'udp-blocked↔full-cone: this side has no UDP path out; relay only');
  });

  it('times out cleanly when the peer never answers', async () => {
    const a = await site(net, clock, '203.0.113.1', '10.0.1.2', CONE);
    const port = net.bind(a.hostIp, 51822, a.nat);
    const win = await runUntilSettled(clock, executePunch({ kind: 'direct', reason: 'test', targets: [{ ip: '203.0.113.99', port: 1 }], intervalMs: 50, durationMs: 500 }, { port, open: net.factory(a.hostIp, a.nat), token, clock }));
    assert.equal(win, undefined);
    assert.equal(clock.pending, 0);
  });
});

describe('spray', () => {
  it('keeps to its rate, low or high, and stops at the deadline', async () => {
    for (const [rate, want] of [[20, 20], [1000, 1000]] as const) {
      const clock = new FakeClock();
      const net = new SimNetwork({ clock, rng: seededRng(1) });
      const port = net.bind('198.51.100.5', 5000);
      const targets = Array.from({ length: 50 }, (_, i) => ({ ip: '198.51.100.6', port: 1000 + i }));
      const win = await runUntilSettled(clock, spray({ sockets: [port], targets, token, clock, ratePerSec: rate, durationMs: 1000 }));
      assert.equal(win, undefined);
      assert.ok(Math.abs(net.dropped - want) <= 2, `rate ${rate}: sent ${net.dropped}`);
    }
  });
});

describe('NAT simulator', () => {
  it('expires idle mappings, after which inbound traffic is dropped', async () => {
    const clock = new FakeClock();
    const net = new SimNetwork({ clock, rng: seededRng(1) });
    const nat = net.addNat({ publicIp: '203.0.113.1', ...CONE, mappingTimeoutMs: 1000 });
    const inside = net.bind('10.0.0.2', 5000, nat);
    const outside = net.bind('198.51.100.9', 7000);
    const got: string[] = [];
    inside.onMessage((d) => got.push(d.toString()));
    await inside.send(Buffer.from('out'), outside.local);
    assert.equal(nat.describe(), '10.0.0.2:5000>* = 203.0.113.1:5000');
    await clock.advance(500);
    await outside.send(Buffer.from('early'), { ip: '203.0.113.1', port: 5000 });
    await clock.advance(1100);
    await outside.send(Buffer.from('late'), { ip: '203.0.113.1', port: 5000 });
    await clock.advance(10);
    assert.deepEqual(got, ['early']);
    assert.equal(nat.describe(), '');
  });

  it('allocates sequentially with the configured delta and filters by address and port', async () => {
    const clock = new FakeClock();
    const net = new SimNetwork({ clock, rng: seededRng(1) });
    const nat = net.addNat({ publicIp: '203.0.113.1', ...SYMMETRIC, allocation: 'sequential', delta: 3 });
    const inside = net.bind('10.0.0.2', 5000, nat);
    for (const port of [1, 2, 3]) await inside.send(Buffer.from('x'), { ip: '198.51.100.9', port });
    const ports = nat.describe().split('\n').map((l) => Number(l.split(':').at(-1)));
    assert.deepEqual([ports[1]! - ports[0]!, ports[2]! - ports[1]!], [3, 3]);
    const stranger = net.bind('198.51.100.9', 4);
    await clock.advance(10);
    const before = net.dropped;
    await stranger.send(Buffer.from('x'), { ip: '203.0.113.1', port: ports[0]! });
    await clock.advance(10);
    assert.equal(net.dropped - before, 1);
  });
});
