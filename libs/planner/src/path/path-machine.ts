/**
 * The per-peer path machine (DESIGN §5): relay first, direct when proven, back to the relay when
 * the direct path stops carrying traffic, never flapping.
 *
 *   down ⇄ relay ──request/offer──▶ punching ──won──▶ verifying ──handshake+traffic──▶ direct ⇄ suspect
 *            ▲                          │ timeout/lost         │ timeout                    │ failover
 *            └──────────────────────────┴──────────────────────┴────────────────────────────┘ (backoff)
 *
 * Why it is shaped like this:
 * - The published {@link PathState} is exactly what WireGuard must send to: `verifying` already
 *   publishes `direct` (both ends switch at the punch's common start, so the handshake and the
 *   proof travel the new path) and `suspect` keeps publishing `direct` until failover, so status
 *   never churns on a single lost probe.
 * - WireGuard roams to the source of the last authenticated packet. A roam to the relay proxy while
 *   direct means the peer failed over: follow it (that is how the side that cannot see a one-way
 *   blackhole learns about it). A roam anywhere else in a relay phase, or away from the endpoint
 *   being verified, is undone with `set-endpoint`, so roaming never undoes a switch. A roam to a new
 *   public address while direct is a NAT rebinding of the peer and is followed.
 * - Upgrade needs a live session (handshake younger than REJECT_AFTER_TIME), bytes received since
 *   the switch beyond handshake size, an answered probe, and the endpoint still ours: a handshake
 *   alone proves nothing about data.
 * - Failover needs lost probes in a row AND nothing received for `silenceMs`, so intermittent loss
 *   with traffic still arriving never fails over; if probes stay unanswered much longer while
 *   packets still arrive, the outbound direction is dead and the peer fails over anyway.
 * - Every failure grows the re-probe backoff; only `stableMs` of trouble-free direct resets it.
 *
 * Pure: time comes in with each event (`atMs`), randomness (backoff jitter) through `rng`.
 */
import type { Rng } from '@wirekube/util';
import type { RelayMode } from '../domain';
import { formatHostPort } from '../domain-host-port';
import { backToRelay, becomeSuspect, clearProbes, enter, mayGoDirect, relayReason, relayUsable, same, sendProbe, settleRelay, useDirect, type Draft } from './path-edits';
import type { PairMode, PathAction, PathEvent, PathStep, PathTuning, PeerPathState } from './path-types';

const isLoopbackHost = (host: string) => host.startsWith('127.') || host === '::1';

/** Probes unanswered while packets still arrive: the outbound direction is dead (≈ 2 s at 200 ms). */
const ONE_WAY_LOST_PROBES = 10;

/**
 * The state of a peer the agent just learned about: `down` until the relay reports presence.
 * `initiator` must be true on exactly one side of the pair (e.g. the node whose name sorts first).
 */
export function initialPathState(o: { atMs: number; initiator: boolean; relayMode?: RelayMode; pair?: PairMode }): PeerPathState {
  return {
    phase: 'down',
    path: { kind: 'down', reason: 'peer holds no session on a relay replica this node reaches' },
    sinceMs: o.atMs,
    initiator: o.initiator,
    relayMode: o.relayMode ?? 'auto',
    pair: o.pair ?? { mode: 'relay', reason: 'pair not evaluated yet' },
    present: false,
    attempt: 0,
    nextPunchAtMs: o.atMs,
    punchSeq: 0,
    rxBytes: 0,
    txBytes: 0,
    lastHandshakeMs: 0,
    rxGrewAtMs: o.atMs,
    txAtRxGrowth: 0,
    rxAtSwitch: 0,
    probeSeq: 0,
    probes: [],
    lostInRow: 0,
    replies: 0,
    nextProbeAtMs: o.atMs,
  };
}

function onEvent(s: Draft, ev: PathEvent, t: PathTuning, rng: Rng, out: PathAction[]): void {
  const now = ev.atMs;
  switch (ev.type) {
    case 'relay': {
      s.present = ev.present;
      if (ev.present && ev.endpoint) s.relay = ev.endpoint;
      else delete s.relay;
      if (s.phase === 'down' && relayUsable(s)) enter(s, 'relay', now);
      if (s.phase === 'relay' && !relayUsable(s)) enter(s, 'down', now);
      if (s.phase === 'relay' || s.phase === 'down' || s.phase === 'punching') settleRelay(s, 'relay-first: both ends hold a relay session', out);
      return;
    }
    case 'pair': {
      const wasDirectCapable = mayGoDirect(s);
      const before = s.pair.reason;
      s.pair = ev.pair;
      s.relayMode = ev.relayMode;
      if (!mayGoDirect(s) && (s.phase === 'punching' || s.phase === 'verifying' || s.phase === 'direct' || s.phase === 'suspect')) {
        return backToRelay(s, now, relayReason(s, ''), false, t, rng, out);
      }
      // A proven path names the pair decision it was proven under; a decision refined since (the
      // side that answered a punch may have decided before it knew both mappings) replaces it.
      if (s.path.kind === 'direct' && (s.phase === 'direct' || s.phase === 'suspect') && ev.pair.reason !== before && s.path.reason.endsWith(`(${before})`)) {
        s.path = { ...s.path, reason: `${s.path.reason.slice(0, -(before.length + 2))}(${ev.pair.reason})` };
      }
      if (mayGoDirect(s) && !wasDirectCapable) s.nextPunchAtMs = now;
      if (s.phase === 'relay' || s.phase === 'down') {
        if (s.phase === 'relay' && !relayUsable(s)) enter(s, 'down', now);
        settleRelay(s, 'relay-first: both ends hold a relay session', out);
      }
      return;
    }
    case 'punch-offer': {
      const refuse = (reason: string) => out.push({ type: 'answer-punch', punchId: ev.punchId, accept: false, reason });
      if (!mayGoDirect(s)) return void refuse(relayReason(s, ''));
      if (s.phase === 'verifying') return void refuse('verifying a direct path already');
      if (s.phase === 'punching' && s.initiator) return void refuse('this side is punching already');
      // While direct, a request means the peer's side is not direct (its proof failed, or it never
      // saw ours): punch again together rather than leave the pair asymmetric.
      s.punchId = ev.punchId;
      clearProbes(s);
      enter(s, 'punching', now);
      out.push({ type: 'answer-punch', punchId: ev.punchId, accept: true, reason: s.pair.reason });
      return;
    }
    case 'punch-result': {
      if (s.phase !== 'punching' || s.punchId !== ev.punchId) return;
      if (!ev.endpoint) return backToRelay(s, now, `direct attempt failed: ${ev.reason ?? 'no probe got through'}`, true, t, rng, out);
      enter(s, 'verifying', now);
      clearProbes(s);
      delete s.strayFrom;
      s.rxAtSwitch = s.rxBytes;
      s.nextProbeAtMs = now;
      useDirect(s, ev.endpoint, `punched ${formatHostPort(ev.endpoint)} (${s.pair.mode}); proving handshake and traffic`, out);
      return;
    }
    case 'sample':
      return onSample(s, ev, t, rng, out);
    case 'probe-reply': {
      if (!s.probes.some((p) => p.seq === ev.seq)) return;
      s.probes = s.probes.filter((p) => p.seq !== ev.seq);
      s.lostInRow = 0;
      s.replies++;
      if (s.phase === 'suspect') {
        enter(s, 'direct', now);
        s.nextProbeAtMs = now + t.directProbeIntervalMs;
      }
      return;
    }
    case 'tick':
      return;
  }
}

function onSample(s: Draft, ev: Extract<PathEvent, { type: 'sample' }>, t: PathTuning, rng: Rng, out: PathAction[]): void {
  const now = ev.atMs;
  if (ev.rxBytes < s.rxBytes || ev.txBytes < s.txBytes) {
    // The device was recreated (agent restart, daemon restart): counters start over.
    s.rxAtSwitch = 0;
    s.txAtRxGrowth = 0;
  }
  if (ev.rxBytes > s.rxBytes) {
    s.rxGrewAtMs = now;
    s.txAtRxGrowth = ev.txBytes;
  }
  s.rxBytes = ev.rxBytes;
  s.txBytes = ev.txBytes;
  s.lastHandshakeMs = ev.lastHandshakeMs;
  const roamed = ev.endpoint;
  switch (s.phase) {
    case 'relay':
    case 'punching':
      if (roamed && relayUsable(s) && !same(roamed, s.relay)) {
        if (s.phase === 'relay' && !s.initiator && s.present && mayGoDirect(s) && s.rxGrewAtMs === now && now >= s.nextPunchAtMs && !isLoopbackHost(roamed.host)) {
          // The peer sends to us directly, so its side believes the pair is direct while ours is
          // not. The initiator will not ask again: ask for a punch from this side.
          s.punchId = `r${++s.punchSeq}`;
          enter(s, 'punching', now);
          out.push({ type: 'request-punch', punchId: s.punchId, mode: s.pair.mode === 'birthday' ? 'birthday' : 'direct' });
          return;
        }
        out.push({ type: 'set-endpoint', endpoint: s.relay!, reason: `WireGuard roamed to ${formatHostPort(roamed)}; the path is the relay until a direct one is proven` });
      }
      return;
    case 'verifying': {
      if (roamed && !same(roamed, s.direct)) {
        // What arrived since the switch came (at least partly) another way: it proves nothing.
        s.rxAtSwitch = ev.rxBytes;
        s.replies = 0;
        s.strayFrom = roamed;
        out.push({ type: 'set-endpoint', endpoint: s.direct!, reason: `WireGuard roamed to ${formatHostPort(roamed)} while verifying; keeping the punched endpoint` });
        return;
      }
      const session = ev.lastHandshakeMs > 0 && now - ev.lastHandshakeMs <= t.handshakeMaxAgeMs;
      if (session && ev.rxBytes - s.rxAtSwitch >= t.proofRxBytes && s.replies > 0) {
        const took = now - s.sinceMs;
        enter(s, 'direct', now);
        s.path = { kind: 'direct', endpoint: s.direct!, reason: `direct: handshake and traffic proven over ${formatHostPort(s.direct!)} in ${took} ms (${s.pair.reason})` };
        s.nextProbeAtMs = now + t.directProbeIntervalMs;
      }
      return;
    }
    case 'direct':
    case 'suspect': {
      if (roamed && !same(roamed, s.direct)) {
        if (same(roamed, s.relay)) return backToRelay(s, now, `the peer moved back to the relay (its packets arrive through it)`, true, t, rng, out);
        useDirect(s, roamed, `direct: following the peer to ${formatHostPort(roamed)} (its NAT mapping changed)`, out);
        return;
      }
      if (s.phase === 'direct' && ev.txBytes > s.txAtRxGrowth && now - s.rxGrewAtMs >= t.silenceMs) becomeSuspect(s, now, t);
      return;
    }
    case 'down':
      return;
  }
}

/** Deadlines: probe timeouts, probe sends, punch/verify timeouts, stable resets, due punches. */
/** True when this side's own punch schedule says to start one now (the initiator, relayed, due). */
export function wantsPunch(s: PeerPathState, now: number): boolean {
  return (s.phase === 'relay' || s.phase === 'down') && s.initiator && s.present && mayGoDirect(s) && now >= s.nextPunchAtMs;
}

function onTime(s: Draft, now: number, t: PathTuning, rng: Rng, out: PathAction[], mayPunch: boolean): void {
  const expired = s.probes.filter((p) => now - p.sentMs >= t.probeTimeoutMs);
  if (expired.length > 0) {
    s.probes = s.probes.filter((p) => now - p.sentMs < t.probeTimeoutMs);
    s.lostInRow += expired.length;
  }
  switch (s.phase) {
    case 'relay':
    case 'down':
      if (mayPunch && wantsPunch(s, now)) {
        s.punchId = `${++s.punchSeq}`;
        enter(s, 'punching', now);
        out.push({ type: 'request-punch', punchId: s.punchId, mode: s.pair.mode === 'birthday' ? 'birthday' : 'direct' });
      }
      return;
    case 'punching':
      if (now - s.sinceMs >= t.punchTimeoutMs) backToRelay(s, now, `direct attempt failed: no punch result within ${t.punchTimeoutMs} ms`, true, t, rng, out);
      return;
    case 'verifying': {
      if (now - s.sinceMs >= t.verifyTimeoutMs) {
        const session = s.lastHandshakeMs > 0 && now - s.lastHandshakeMs <= t.handshakeMaxAgeMs;
        const stray = s.strayFrom && `traffic arriving through ${formatHostPort(s.strayFrom)} instead`;
        const missing = !session ? 'no handshake' : (stray ?? (s.rxBytes - s.rxAtSwitch < t.proofRxBytes ? 'a handshake but no traffic' : 'no answered probe'));
        return backToRelay(s, now, `direct endpoint ${formatHostPort(s.direct!)} showed ${missing} within ${t.verifyTimeoutMs} ms`, true, t, rng, out);
      }
      if (now >= s.nextProbeAtMs) sendProbe(s, now, t.suspectProbeIntervalMs, out);
      return;
    }
    case 'direct':
      if (s.attempt > 0 && now - s.sinceMs >= t.stableMs) s.attempt = 0;
      if (s.lostInRow < t.suspectLostProbes) {
        if (now >= s.nextProbeAtMs) sendProbe(s, now, t.directProbeIntervalMs, out);
        return;
      }
      becomeSuspect(s, now, t);
      return onSuspect(s, now, t, rng, out);
    case 'suspect':
      return onSuspect(s, now, t, rng, out);
  }
}

function onSuspect(s: Draft, now: number, t: PathTuning, rng: Rng, out: PathAction[]): void {
  const silentMs = now - s.rxGrewAtMs;
  const twoWay = s.lostInRow >= t.failoverLostProbes && silentMs >= t.silenceMs;
  if (twoWay || s.lostInRow >= ONE_WAY_LOST_PROBES) {
    const what = twoWay ? `nothing received for ${silentMs} ms` : 'packets still arrive but nothing sent gets through';
    return backToRelay(s, now, `direct path to ${formatHostPort(s.direct!)} stopped carrying traffic: ${s.lostInRow} probes lost, ${what}`, true, t, rng, out);
  }
  if (now >= s.nextProbeAtMs) sendProbe(s, now, t.suspectProbeIntervalMs, out);
}

function nextWake(s: PeerPathState, t: PathTuning, mayPunch: boolean): number | undefined {
  const times = s.probes.map((p) => p.sentMs + t.probeTimeoutMs);
  switch (s.phase) {
    case 'relay':
    case 'down':
      if (mayPunch && s.initiator && s.present && mayGoDirect(s)) times.push(s.nextPunchAtMs);
      break;
    case 'punching':
      times.push(s.sinceMs + t.punchTimeoutMs);
      break;
    case 'verifying':
      times.push(s.nextProbeAtMs, s.sinceMs + t.verifyTimeoutMs);
      break;
    case 'direct':
      times.push(s.nextProbeAtMs);
      if (s.attempt > 0) times.push(s.sinceMs + t.stableMs);
      break;
    case 'suspect':
      times.push(s.nextProbeAtMs);
      break;
  }
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * Applies one event to one peer's state and returns the new state, the actions the agent must
 * carry out (in order) and when it wants the next `tick`. Every event also runs the deadlines due at
 * its `atMs`, so a late tick loses nothing. Never throws; stale punch results are ignored.
 * `mayPunch` false holds back a punch this side would start on its own schedule (the caller bounds
 * how many run at once, see {@link wantsPunch}); punches the peer asks for are unaffected.
 */
export function stepPath(prev: PeerPathState, ev: PathEvent, t: PathTuning, rng: Rng, mayPunch = true): PathStep {
  const s: Draft = { ...prev };
  const actions: PathAction[] = [];
  onEvent(s, ev, t, rng, actions);
  onTime(s, ev.atMs, t, rng, actions, mayPunch);
  // Held back and due: the caller wakes it when a punch ends. Not yet due: wake then and ask again.
  const wakeAtMs = nextWake(s, t, mayPunch || !wantsPunch(s, ev.atMs));
  return { state: s, actions, ...(wakeAtMs !== undefined && { wakeAtMs }) };
}
