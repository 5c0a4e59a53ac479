import assert from 'node:assert/strict';
import { seededRng, type Rng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import type { HostPort } from '../domain';
import type { PathState } from '../node-plan';
import { PathDriver } from './path-driver';
import type { PairMode, PathAction, PathTuning } from './path-types';

const RELAY: HostPort = { host: '127.0.0.1', port: 40001 };
const DIRECT: HostPort = { host: '203.0.113.2', port: 51822 };
const CONE: PairMode = { mode: 'direct', reason: 'port-restricted↔port-restricted: both mappings endpoint-independent, simultaneous punch' };
const key = (e: HostPort | undefined) => (e ? `${e.host}:${e.port}` : '-');

/**
 * One agent's view of one peer, with a simulated WireGuard link: the device sends to whatever the
 * last `set-endpoint` wrote; the relay always delivers; the direct path delivers each direction
 * unless blackholed or lost (random loss from a seeded rng). The app pings 10 times a second.
 */
class Link {
  readonly clock = new FakeClock();
  readonly log: Array<{ atMs: number; action: PathAction }> = [];
  readonly paths: Array<{ atMs: number; path: PathState }> = [];
  readonly driver: PathDriver;
  endpoint: HostPort | undefined;
  rx = 0;
  tx = 0;
  handshakeMs = 0;
  directOut = true;
  directIn = true;
  /** Direct path delivers handshakes only (a filter that passes 148/92-byte messages, say). */
  handshakesOnly = false;
  loss = 0;
  /** The peer never switches: its packets keep arriving through the relay (and WireGuard roams there). */
  peerOnRelay = false;
  punchWorks = true;
  pinging = true;
  /** Monotonic times of pings that got their reply. */
  answered: number[] = [];
  private readonly lossRng: Rng = seededRng(99);
  readonly t0: number;

  constructor(tuning: Partial<PathTuning> = {}, pair: PairMode = CONE) {
    this.t0 = this.clock.now();
    this.driver = new PathDriver({
      clock: this.clock,
      rng: seededRng(5),
      tuning,
      onChange: (_peer, actions, path) => {
        if (this.paths.at(-1)?.path !== path) this.paths.push({ atMs: this.clock.now() - this.t0, path });
        for (const a of actions) this.act(a);
      },
    });
    this.driver.add('b', { initiator: true });
    this.driver.handle('b', { type: 'pair', pair, relayMode: 'auto' });
    const sample = () => {
      this.driver.handle('b', { type: 'sample', ...(this.endpoint && { endpoint: this.endpoint }), lastHandshakeMs: this.handshakeMs, rxBytes: this.rx, txBytes: this.tx });
      this.clock.setTimeout(sample, 250);
    };
    const ping = () => {
      if (this.pinging) this.ping();
      this.clock.setTimeout(ping, 100);
    };
    this.clock.setTimeout(sample, 250);
    this.clock.setTimeout(ping, 100);
  }

  get viaRelay(): boolean {
    return key(this.endpoint) === key(RELAY);
  }

  private pass(dir: 'out' | 'in'): boolean {
    if (this.viaRelay) return true;
    if (dir === 'in' && this.peerOnRelay) {
      this.endpoint = RELAY;
      return true;
    }
    if (key(this.endpoint) !== key(DIRECT)) return false;
    const up = dir === 'out' ? this.directOut : this.directIn;
    return up && !this.handshakesOnly && this.lossRng.next() >= this.loss;
  }

  private ping(): void {
    this.tx += 128;
    if (this.pass('out') && this.pass('in')) {
      this.rx += 128;
      this.answered.push(this.clock.now() - this.t0);
      if (this.handshakeMs === 0) this.handshakeMs = this.clock.now();
    }
  }

  private act(a: PathAction): void {
    this.log.push({ atMs: this.clock.now() - this.t0, action: a });
    if (a.type === 'set-endpoint') {
      this.endpoint = a.endpoint;
      if (this.handshakesOnly && key(a.endpoint) === key(DIRECT)) {
        this.handshakeMs = this.clock.now() + 50;
        this.clock.setTimeout(() => (this.rx += 92), 50);
      }
    } else if (a.type === 'request-punch') {
      this.clock.setTimeout(() => this.driver.handle('b', { type: 'punch-result', punchId: a.punchId, ...(this.punchWorks ? { endpoint: DIRECT } : { reason: 'no probe got through' }) }), 100);
    } else if (a.type === 'send-probe') {
      this.tx += 64;
      if (this.pass('out') && this.pass('in')) {
        this.clock.setTimeout(() => {
          this.rx += 64;
          this.driver.handle('b', { type: 'probe-reply', seq: a.seq });
        }, 10);
      }
    }
  }

  relayUp(): void {
    this.driver.handle('b', { type: 'relay', present: true, endpoint: RELAY });
  }

  get path(): PathState {
    return this.driver.state('b')!.path;
  }

  /** Longest gap between answered pings after `fromMs` (ms since start). */
  outageAfter(fromMs: number): number {
    const after = this.answered.filter((t) => t >= fromMs - 100);
    let worst = 0;
    for (let i = 1; i < after.length; i++) worst = Math.max(worst, after[i]! - after[i - 1]!);
    return worst;
  }

  actions(type: PathAction['type']): Array<{ atMs: number; action: PathAction }> {
    return this.log.filter((e) => e.action.type === type);
  }
}

async function upgraded(link: Link): Promise<void> {
  link.relayUp();
  await link.clock.advance(3000);
  assert.equal(link.path.kind, 'direct', link.path.reason);
  assert.equal(link.driver.state('b')!.phase, 'direct');
}

describe('path machine', () => {
  it('renames a proven path after the pair decision it was proven under, when that decision is refined', async () => {
    const link = new Link();
    await upgraded(link);
    const endpoint = key(link.endpoint);
    const writes = link.actions('set-endpoint').length;
    link.driver.handle('b', { type: 'pair', pair: { mode: 'direct', reason: 'same NAT (public 198.18.3.1): host candidates first' }, relayMode: 'auto' });
    assert.equal(link.path.kind, 'direct');
    assert.match(link.path.reason, /^direct: handshake and traffic proven over 203\.0\.113\.2:51822 in \d+ ms \(same NAT \(public 198\.18\.3\.1\): host candidates first\)$/);
    assert.equal(key(link.endpoint), endpoint);
    assert.equal(link.actions('set-endpoint').length, writes, 'a new name, not a new endpoint');
  });

  it('starts on the relay and upgrades once handshake and traffic over the punched endpoint are proven', async () => {
    const link = new Link();
    assert.equal(link.path.kind, 'down');
    link.relayUp();
    assert.deepEqual(link.path, { kind: 'relay', endpoint: RELAY, reason: 'relay-first: both ends hold a relay session' });
    await link.clock.advance(3000);
    const p = link.path;
    assert.equal(p.kind, 'direct');
    assert.match(p.reason, /^direct: handshake and traffic proven over 203\.0\.113\.2:51822 in \d+ ms \(port-restricted↔port-restricted/);
    const sets = link.actions('set-endpoint').map((e) => key((e.action as { endpoint: HostPort }).endpoint));
    assert.deepEqual(sets, ['127.0.0.1:40001', '203.0.113.2:51822']);
    assert.equal(link.actions('request-punch').length, 1);
    // The switch loses nothing: every ping after the relay came up was answered.
    assert.ok(link.outageAfter(0) <= 100, `outage ${link.outageAfter(0)} ms`);
  });

  it('does not upgrade on a handshake without traffic, goes back to the relay and says why', async () => {
    const link = new Link();
    link.handshakesOnly = true;
    link.relayUp();
    await link.clock.advance(1400);
    assert.equal(link.driver.state('b')!.phase, 'verifying');
    await link.clock.advance(300);
    assert.equal(link.path.kind, 'relay');
    assert.match(link.path.reason, /^direct endpoint 203\.0\.113\.2:51822 showed a handshake but no traffic within 1500 ms; next direct attempt in \d\.\d s$/);
    assert.ok(!link.paths.some((e) => e.path.reason.startsWith('direct: handshake and traffic proven')));
  });

  it('does not take replies that come back through the relay as proof of the direct path', async () => {
    const link = new Link();
    link.peerOnRelay = true;
    link.relayUp();
    await link.clock.advance(1700);
    assert.ok(!link.paths.some((e) => e.path.reason.startsWith('direct: handshake and traffic proven')));
    assert.match(link.path.reason, /^direct endpoint 203\.0\.113\.2:51822 showed traffic arriving through 127\.0\.0\.1:40001 instead within 1500 ms/);
    assert.ok(link.actions('set-endpoint').some((e) => (e.action as { reason: string }).reason.startsWith('WireGuard roamed to 127.0.0.1:40001 while verifying')));
  });

  for (const [name, cut] of [
    ['one-way (peer → us)', (l: Link) => (l.directIn = false)],
    ['one-way (us → peer)', (l: Link) => (l.directOut = false)],
    ['two-way', (l: Link) => ((l.directIn = false), (l.directOut = false))],
  ] as const) {
    it(`fails over to the relay within 3 s of a silent ${name} blackhole`, async () => {
      const link = new Link();
      await upgraded(link);
      const cutAt = link.clock.now() - link.t0;
      cut(link);
      link.punchWorks = false; // a new punch fails too: the blackhole stays
      await link.clock.advance(5000);
      assert.equal(link.path.kind, 'relay');
      const moved = link.paths.find((e) => e.atMs > cutAt)!;
      assert.match(moved.path.reason, /^direct path to 203\.0\.113\.2:51822 stopped carrying traffic: 3 probes lost, nothing received for \d+ ms; next direct attempt in/);
      const movedAt = moved.atMs;
      assert.ok(movedAt - cutAt <= 2500, `failover took ${movedAt - cutAt} ms`);
      assert.ok(link.outageAfter(cutAt) <= 3000, `traffic outage ${link.outageAfter(cutAt)} ms`);
    });
  }

  it('follows the peer to the relay when WireGuard roams there (the side that cannot see the blackhole)', async () => {
    const link = new Link();
    await upgraded(link);
    link.endpoint = RELAY; // the peer failed over; its packets arrive through our relay proxy
    await link.clock.advance(300);
    assert.equal(link.path.kind, 'relay');
    assert.match(link.path.reason, /^the peer moved back to the relay/);
  });

  it('undoes WireGuard roaming away from the relay while no direct path is proven', async () => {
    const link = new Link({}, { mode: 'relay', reason: 'port-restricted↔symmetric: direct impossible without port prediction (birthday attack disabled)' });
    link.relayUp();
    await link.clock.advance(500);
    link.endpoint = DIRECT; // a stray authenticated packet from the peer's direct address
    await link.clock.advance(300);
    assert.deepEqual(link.endpoint, RELAY);
    assert.match((link.actions('set-endpoint').at(-1)!.action as { reason: string }).reason, /^WireGuard roamed to 203\.0\.113\.2:51822; the path is the relay/);
    assert.equal(link.path.reason, 'relayed: port-restricted↔symmetric: direct impossible without port prediction (birthday attack disabled)');
    assert.equal(link.actions('request-punch').length, 0);
  });

  it('re-probes with exponential backoff up to the cap', async () => {
    const link = new Link({ reprobe: { initialMs: 2000, maxMs: 60_000, factor: 2, jitter: 0 } });
    link.punchWorks = false;
    link.relayUp();
    await link.clock.advance(400_000);
    const at = link.actions('request-punch').map((e) => e.atMs);
    const gaps = at.slice(1).map((t, i) => t - at[i]! - 100); // each punch fails 100 ms after the request
    assert.deepEqual(gaps.slice(0, 8), [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.match(link.path.reason, /^direct attempt failed: no probe got through; next direct attempt in 60\.0 s$/);
  });

  it('does not flap under 20 % random loss with traffic flowing', async () => {
    const link = new Link();
    await upgraded(link);
    link.loss = 0.2;
    await link.clock.advance(300_000);
    assert.equal(link.path.kind, 'direct');
    assert.equal(link.paths.filter((e) => e.path.kind === 'relay').length, 1, 'only the initial relay period');
  });

  it('does not flap under repeated short dropouts', async () => {
    const link = new Link();
    await upgraded(link);
    for (let i = 0; i < 30; i++) {
      link.directIn = false;
      link.directOut = false;
      await link.clock.advance(700);
      link.directIn = true;
      link.directOut = true;
      await link.clock.advance(4300);
    }
    assert.equal(link.path.kind, 'direct');
    assert.equal(link.paths.filter((e) => e.path.kind === 'relay').length, 1);
  });

  it('keeps re-probe gaps growing on a path that fails right after every upgrade, and resets them after a stable period', async () => {
    const link = new Link({ reprobe: { initialMs: 2000, maxMs: 60_000, factor: 2, jitter: 0 } });
    link.handshakesOnly = true;
    link.relayUp();
    await link.clock.advance(40_000);
    const n = link.actions('request-punch').length;
    assert.ok(n >= 3 && n <= 5, `${n} punches in 40 s`);
    link.handshakesOnly = false;
    await link.clock.advance(40_000);
    assert.equal(link.path.kind, 'direct');
    assert.ok(link.driver.state('b')!.attempt >= 4, 'a fresh upgrade keeps the grown backoff');
    await link.clock.advance(61_000);
    assert.equal(link.driver.state('b')!.attempt, 0, 'stable direct period resets the backoff');
  });

  it('asks for a birthday punch only when the pair matrix says so, and never when relay.mode=always', async () => {
    const birthday = new Link({}, { mode: 'birthday', reason: 'port-restricted↔symmetric: random port allocation, birthday attack' });
    birthday.relayUp();
    await birthday.clock.advance(100);
    assert.deepEqual(birthday.actions('request-punch').map((e) => e.action), [{ type: 'request-punch', punchId: '1', mode: 'birthday' }]);
    const always = new Link();
    always.driver.handle('b', { type: 'pair', pair: CONE, relayMode: 'always' });
    always.relayUp();
    await always.clock.advance(10_000);
    assert.equal(always.actions('request-punch').length, 0);
    assert.equal(always.path.reason, 'relay.mode=always: every pair is relayed');
  });

  it('answers offers as the responder: accepts when direct is possible (again when the peer asks while this side is direct), refuses with the reason otherwise', () => {
    const clock = new FakeClock();
    const answers: PathAction[] = [];
    const driver = new PathDriver({ clock, rng: seededRng(1), onChange: (_p, a) => answers.push(...a) });
    driver.add('a', { initiator: false, pair: { mode: 'relay', reason: 'udp-blocked↔open: this side has no UDP path out; relay only' } });
    driver.handle('a', { type: 'relay', present: true, endpoint: RELAY });
    driver.handle('a', { type: 'punch-offer', punchId: 'x1' });
    driver.handle('a', { type: 'pair', pair: CONE, relayMode: 'auto' });
    driver.handle('a', { type: 'punch-offer', punchId: 'x2' });
    assert.equal(driver.state('a')!.phase, 'punching');
    driver.handle('a', { type: 'punch-result', punchId: 'stale', endpoint: DIRECT });
    assert.equal(driver.state('a')!.phase, 'punching', 'a stale result is ignored');
    driver.handle('a', { type: 'punch-result', punchId: 'x2', endpoint: DIRECT });
    driver.handle('a', { type: 'punch-offer', punchId: 'x3' });
    assert.equal(driver.state('a')!.phase, 'verifying');
    // Direct on this side, yet the peer asks again: its side is not direct, so both punch again.
    driver.handle('a', { type: 'sample', endpoint: DIRECT, lastHandshakeMs: clock.now(), rxBytes: 1000, txBytes: 1000 });
    const seq = driver.state('a')!.probes[0]?.seq ?? 1;
    driver.handle('a', { type: 'probe-reply', seq });
    driver.handle('a', { type: 'sample', endpoint: DIRECT, lastHandshakeMs: clock.now(), rxBytes: 2000, txBytes: 2000 });
    assert.equal(driver.state('a')!.phase, 'direct');
    driver.handle('a', { type: 'punch-offer', punchId: 'x4' });
    assert.equal(driver.state('a')!.phase, 'punching');
    assert.deepEqual(
      answers.filter((a) => a.type === 'answer-punch'),
      [
        { type: 'answer-punch', punchId: 'x1', accept: false, reason: 'relayed: udp-blocked↔open: this side has no UDP path out; relay only' },
        { type: 'answer-punch', punchId: 'x2', accept: true, reason: CONE.reason },
        { type: 'answer-punch', punchId: 'x3', accept: false, reason: 'verifying a direct path already' },
        { type: 'answer-punch', punchId: 'x4', accept: true, reason: CONE.reason },
      ],
    );
    driver.close();
    assert.equal(clock.pending, 0);
  });

  it('as the responder, asks for a punch itself when the peer keeps sending to it directly while this side is relayed', async () => {
    const clock = new FakeClock();
    const actions: PathAction[] = [];
    const driver = new PathDriver({ clock, rng: seededRng(1), onChange: (_p, a) => actions.push(...a) });
    driver.add('a', { initiator: false, pair: CONE });
    driver.handle('a', { type: 'relay', present: true, endpoint: RELAY });
    driver.handle('a', { type: 'sample', endpoint: RELAY, lastHandshakeMs: clock.now(), rxBytes: 100, txBytes: 100 });
    await clock.advance(250);
    // A roam without new bytes is undone as before.
    driver.handle('a', { type: 'sample', endpoint: DIRECT, lastHandshakeMs: clock.now(), rxBytes: 100, txBytes: 200 });
    assert.deepEqual(actions.at(-1), { type: 'set-endpoint', endpoint: RELAY, reason: 'WireGuard roamed to 203.0.113.2:51822; the path is the relay until a direct one is proven' });
    // New bytes from the peer's public address: its side is direct, ours is not.
    await clock.advance(250);
    driver.handle('a', { type: 'sample', endpoint: DIRECT, lastHandshakeMs: clock.now(), rxBytes: 400, txBytes: 300 });
    assert.deepEqual(actions.at(-1), { type: 'request-punch', punchId: 'r1', mode: 'direct' });
    assert.equal(driver.state('a')!.phase, 'punching');
    driver.close();
  });

  it('is down without a relay when relay.mode=never, and reports the missing piece', () => {
    const clock = new FakeClock();
    const driver = new PathDriver({ clock, rng: seededRng(1), onChange: () => {} });
    driver.add('a', { initiator: true });
    driver.handle('a', { type: 'pair', pair: CONE, relayMode: 'never' });
    driver.handle('a', { type: 'relay', present: true, endpoint: RELAY });
    assert.equal(driver.state('a')!.phase, 'punching', 'the control channel still coordinates punching');
    assert.equal(driver.state('a')!.path.kind, 'down');
    assert.match(driver.state('a')!.path.reason, /^relay disabled by the mesh \(relay\.mode=never\)/);
    driver.close();
  });
});
