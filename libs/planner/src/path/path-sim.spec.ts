import assert from 'node:assert/strict';
import { discoverNat, gatherCandidates, type PunchSide, type UdpPort } from '@wirekube/nat';
import { runUntilSettled, SimNetwork, startSimStunServer, type SimNat } from '@wirekube/nat/testing';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import type { HostPort } from '../domain';
import { decidePair } from './pair-decision';
import { PathDriver } from './path-driver';
import type { PathAction } from './path-types';
import { reconcileWgEndpoint } from './wg-endpoint';

// Two agents' path machines end to end on the libs/nat NAT simulator: WireGuard is modelled as a
// socket on the listen port that sends to its configured endpoint and roams to the source of every
// packet it accepts; the relay delivers between the two proxies on loopback. The punch is
// WireGuard's own: at the relay's common start both sides point WireGuard at the peer's published
// endpoint, so the first packets open both NATs, and the machine decides from counters and probes.

const RELAY_PROXY: HostPort = { host: '127.0.0.1', port: 40001 };
const RELAY_MS = 15;
const same = (a?: HostPort, b?: HostPort) => !!a && !!b && a.host === b.host && a.port === b.port;

class SimWireGuard {
  endpoint: HostPort | undefined;
  rx = 0;
  tx = 0;
  handshakeMs = 0;
  /** Drop everything arriving over the underlay (a silent blackhole of the direct path, inbound). */
  blackholeIn = false;
  peer!: SimWireGuard;
  onMessage: (m: { k: string; n: number }) => void = () => {};

  constructor(
    private readonly clock: FakeClock,
    private readonly port: UdpPort,
  ) {
    port.onMessage((data, from) => this.accept(data, { host: from.ip, port: from.port }));
  }

  send(k: string, n: number, bytes: number): void {
    const data = Buffer.concat([Buffer.from(JSON.stringify({ k, n })), Buffer.alloc(bytes)]);
    this.tx += data.length;
    const to = this.endpoint;
    if (!to) return;
    if (same(to, RELAY_PROXY)) this.clock.setTimeout(() => this.peer.accept(data, RELAY_PROXY), RELAY_MS);
    else void this.port.send(data, { ip: to.host, port: to.port });
  }

  private accept(data: Buffer, from: HostPort): void {
    if (this.blackholeIn && !same(from, RELAY_PROXY)) return;
    this.rx += data.length;
    if (this.handshakeMs === 0) this.handshakeMs = this.clock.now();
    this.endpoint = from; // roaming: the source of the last authenticated packet
    this.onMessage(JSON.parse(data.subarray(0, data.indexOf(0)).toString()) as { k: string; n: number });
  }
}

interface Agent {
  name: string;
  wg: SimWireGuard;
  driver: PathDriver;
  side: PunchSide;
  paths: Array<{ atMs: number; kind: string; reason: string }>;
}

async function world() {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, rng: seededRng(7) });
  startSimStunServer(net);
  const cone = { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' } as const;
  const t0 = clock.now();
  const agents: Agent[] = [];
  const make = async (name: string, ip: string, nat: SimNat): Promise<Agent> => {
    // The pre-bind probe: STUN from the listen port before "WireGuard" binds it.
    const report = await runUntilSettled(clock, discoverNat({ servers: [{ ip: '198.51.100.1', port: 3478 }], open: net.factory(ip, nat), clock, rng: seededRng(4), localPort: 51822 }));
    const published = reconcileWgEndpoint({
      listenPort: 51822, nowMs: clock.now(), hostIps: [ip], networkChangedAtMs: 0, observations: [], observationMaxAgeMs: 60_000, othersPublished: [],
      preBind: { ...(report.mapped && { mapped: { host: report.mapped.ip, port: report.mapped.port } }), localPort: 51822, mapping: report.mapping, portPreserved: report.portPreserved, udpBlocked: false, atMs: clock.now() },
    });
    assert.equal(published.source, 'pre-bind');
    const nat2 = { ...report, mapped: { ip: published.endpoint!.host, port: published.endpoint!.port } };
    const wg = new SimWireGuard(clock, net.bind(ip, 51822, nat));
    const agent: Agent = { name, wg, side: { nat: nat2, candidates: gatherCandidates(nat2, [{ ip, port: 51822 }]) }, paths: [], driver: undefined as unknown as PathDriver };
    agent.driver = new PathDriver({ clock, rng: seededRng(name.length), onChange: (_p, actions, path) => {
      if (agent.paths.at(-1)?.reason !== path.reason) agent.paths.push({ atMs: clock.now() - t0, kind: path.kind, reason: path.reason });
      actions.forEach((a) => act(agent, a));
    } });
    return agent;
  };
  const other = (a: Agent) => agents.find((x) => x !== a)!;
  const plan = (a: Agent) => decidePair({ local: a.side, remote: other(a).side, localSubnets: [], relayMode: 'auto', meshBirthday: false, rng: seededRng(1) });
  const act = (a: Agent, x: PathAction) => {
    const peer = other(a);
    if (x.type === 'set-endpoint') a.wg.endpoint = x.endpoint;
    if (x.type === 'send-probe') a.wg.send('probe', x.seq, 32);
    if (x.type === 'request-punch') clock.setTimeout(() => peer.driver.handle(a.name, { type: 'punch-offer', punchId: x.punchId }), RELAY_MS);
    if (x.type === 'answer-punch' && x.accept) {
      // The relay stamps a common start; both sides point WireGuard at the other's best target then.
      clock.setTimeout(() => {
        for (const s of [a, peer]) {
          const p = plan(s).plan;
          const to = p.kind === 'direct' ? p.targets[0] : undefined;
          s.driver.handle(other(s).name, { type: 'punch-result', punchId: x.punchId, ...(to && { endpoint: { host: to.ip, port: to.port } }) });
        }
      }, 50);
    }
  };
  const a = await make('a', '10.0.1.2', net.addNat({ publicIp: '203.0.113.1', ...cone }));
  const b = await make('b', '10.0.2.2', net.addNat({ publicIp: '203.0.113.2', ...cone }));
  agents.push(a, b);
  a.wg.peer = b.wg;
  b.wg.peer = a.wg;
  const answered: number[] = [];
  let seq = 0;
  a.wg.onMessage = (m) => (m.k === 'pong' ? answered.push(clock.now() - t0) : m.k === 'probe-ack' && a.driver.handle('b', { type: 'probe-reply', seq: m.n }));
  b.wg.onMessage = (m) => (m.k === 'ping' ? b.wg.send('pong', m.n, 100) : m.k === 'probe' ? b.wg.send('probe-ack', m.n, 32) : m.k === 'probe-ack' && b.driver.handle('a', { type: 'probe-reply', seq: m.n }));
  const aMsg = a.wg.onMessage;
  a.wg.onMessage = (m) => (m.k === 'probe' ? a.wg.send('probe-ack', m.n, 32) : aMsg(m));
  const start = clock.now() - t0;
  for (const s of agents) {
    s.driver.add(other(s).name, { initiator: s.name === 'a', pair: plan(s) });
    s.driver.handle(other(s).name, { type: 'relay', present: true, endpoint: RELAY_PROXY });
    const sample = () => {
      s.driver.handle(other(s).name, { type: 'sample', ...(s.wg.endpoint && { endpoint: s.wg.endpoint }), lastHandshakeMs: s.wg.handshakeMs, rxBytes: s.wg.rx, txBytes: s.wg.tx });
      clock.setTimeout(sample, 250);
    };
    clock.setTimeout(sample, 250);
  }
  const ping = () => {
    a.wg.send('ping', ++seq, 100);
    clock.setTimeout(ping, 100);
  };
  ping();
  const sinceStart = () => clock.now() - t0;
  /** Pings sent in [fromMs, toMs) without a reply, and the longest gap between replies (counted from the last reply before `fromMs`). */
  const loss = (fromMs: number, toMs: number) => {
    const got = answered.filter((t) => t >= fromMs && t < toMs);
    const before = answered.filter((t) => t < fromMs).at(-1) ?? fromMs;
    const gaps = [before, ...got].slice(1).map((t, i) => t - ([before, ...got][i] ?? t));
    return { lost: Math.round((toMs - fromMs) / 100) - got.length, worstGapMs: Math.max(0, ...gaps) };
  };
  return { clock, a, b, start, sinceStart, loss };
}

describe('path machines end to end on the NAT simulator', () => {
  it('relay first, punch, upgrade without loss, then fail over a two-way blackhole within 3 s', async () => {
    const w = await world();
    assert.deepEqual(w.a.paths[0], { atMs: w.start, kind: 'relay', reason: 'relay-first: both ends hold a relay session' });
    await w.clock.advance(3000);
    for (const [me, peer] of [[w.a, 'b'], [w.b, 'a']] as const) {
      const p = me.driver.state(peer)!.path;
      assert.equal(p.kind, 'direct', `${me.name}: ${p.reason}`);
      assert.match(p.reason, /^direct: handshake and traffic proven over 203\.0\.113\.\d:51822 in \d+ ms \(port-restricted↔port-restricted/);
    }
    const upgradedAt = w.a.paths.find((p) => p.reason.startsWith('direct: handshake'))!.atMs;
    assert.ok(upgradedAt - w.start <= 5000, `time to direct ${upgradedAt - w.start} ms`);
    const up = w.loss(w.start + 200, w.sinceStart() - 200);
    assert.ok(up.lost <= 2, `lost ${up.lost} pings while upgrading`);
    const cutAt = w.sinceStart();
    w.a.wg.blackholeIn = true;
    w.b.wg.blackholeIn = true;
    await w.clock.advance(20_000);
    for (const me of [w.a, w.b]) {
      const moved = me.paths.find((p) => p.atMs > cutAt)!;
      assert.equal(moved.kind, 'relay');
      assert.match(moved.reason, /^direct path to 203\.0\.113\.\d:51822 stopped carrying traffic: 3 probes lost/);
      assert.ok(moved.atMs - cutAt <= 2500, `${me.name} failed over after ${moved.atMs - cutAt} ms`);
    }
    const firstMove = Math.min(...[w.a, w.b].map((me) => me.paths.find((p) => p.atMs > cutAt)!.atMs));
    const after = w.loss(cutAt, firstMove + 1000);
    assert.ok(after.worstGapMs <= 3000, `outage ${after.worstGapMs} ms`);
    // Re-probes of the still-dead path: few (backoff), each costing at most the verification window.
    const retries = w.a.paths.filter((p) => p.atMs > cutAt && p.reason.startsWith('punched')).length;
    assert.ok(retries >= 2 && retries <= 4, `${retries} re-probes in 20 s`);
    assert.ok(w.loss(firstMove + 1000, w.sinceStart() - 200).worstGapMs <= 1800);
  });

  it('a one-way blackhole is detected by the side that stops receiving; the other follows through roaming', async () => {
    const w = await world();
    await w.clock.advance(3000);
    assert.equal(w.b.driver.state('a')!.phase, 'direct');
    const cutAt = w.sinceStart();
    w.a.wg.blackholeIn = true; // b → a is dropped; a → b still works
    await w.clock.advance(3000);
    const [movedA, movedB] = [w.a, w.b].map((me) => me.paths.find((p) => p.atMs > cutAt)!);
    assert.match(movedA!.reason, /^direct path to 203\.0\.113\.2:51822 stopped carrying traffic: 3 probes lost, nothing received/);
    assert.match(movedB!.reason, /^the peer moved back to the relay/);
    assert.ok(movedB!.atMs - cutAt <= 3000, `b followed after ${movedB!.atMs - cutAt} ms`);
    const after = w.loss(cutAt, movedB!.atMs + 500);
    assert.ok(after.worstGapMs <= 3000, `outage ${after.worstGapMs} ms`);
  });
});
