// Small state edits shared by the path machine's event and deadline handlers (path-machine.ts).
import { backoffDelay, type Rng } from '@wirekube/util';
import type { HostPort } from '../domain';
import type { PathAction, PathTuning, PeerPathState } from './path-types';

/** A state being edited within one step; `stepPath` copies the previous state first, so edits never leak. */
export type Draft = { -readonly [K in keyof PeerPathState]: PeerPathState[K] };

/** Same host and port (false when either is absent). */
export const same = (a: HostPort | undefined, b: HostPort | undefined) => !!a && !!b && a.host === b.host && a.port === b.port;
/** The mesh and the pair matrix allow trying a direct path. */
export const mayGoDirect = (s: PeerPathState) => s.relayMode !== 'always' && s.pair.mode !== 'relay';
/** The relay can carry data for this peer now. */
export const relayUsable = (s: PeerPathState) => s.relayMode !== 'never' && s.relay !== undefined;

/** The published reason of a relay path: the mesh setting or the pair matrix first, else `why`. */
export function relayReason(s: PeerPathState, why: string): string {
  if (s.relayMode === 'always') return 'relay.mode=always: every pair is relayed';
  if (s.pair.mode === 'relay') return `relayed: ${s.pair.reason}`;
  return why;
}

/** Publishes the relay (or down) path for a relay-side phase, writing the endpoint when it changes. */
export function settleRelay(s: Draft, why: string, out: PathAction[], force = false): void {
  const before = s.path;
  if (relayUsable(s)) {
    s.path = { kind: 'relay', endpoint: s.relay!, reason: relayReason(s, why) };
    if (force || before.kind !== 'relay' || !same(before.endpoint, s.relay)) out.push({ type: 'set-endpoint', endpoint: s.relay!, reason: s.path.reason });
  } else if (s.relayMode === 'never') {
    s.path = { kind: 'down', reason: `relay disabled by the mesh (relay.mode=never); ${why}` };
  } else {
    s.path = { kind: 'down', reason: s.present ? 'relay proxy endpoint for the peer is being opened' : 'peer holds no session on a relay replica this node reaches' };
  }
}

/** Moves to `phase`, stamping when. */
export function enter(s: Draft, phase: Draft['phase'], now: number): void {
  s.phase = phase;
  s.sinceMs = now;
}

/** Forgets outstanding probes and their tallies (the endpoint they measured is gone). */
export function clearProbes(s: Draft): void {
  s.probes = [];
  s.lostInRow = 0;
  s.replies = 0;
}

/** Leaves any direct-side phase for the relay; a failure grows the backoff before the next punch. */
export function backToRelay(s: Draft, now: number, why: string, failed: boolean, t: PathTuning, rng: Rng, out: PathAction[]): void {
  let reason = why;
  if (failed) {
    const delay = backoffDelay(s.attempt, t.reprobe, rng);
    s.attempt++;
    s.nextPunchAtMs = now + delay;
    if (mayGoDirect(s)) reason = `${why}; next direct attempt in ${(delay / 1000).toFixed(1)} s`;
  }
  delete s.direct;
  delete s.punchId;
  delete s.strayFrom;
  clearProbes(s);
  enter(s, relayUsable(s) ? 'relay' : 'down', now);
  settleRelay(s, reason, out, true);
}

/** Publishes and writes a direct endpoint. */
export function useDirect(s: Draft, endpoint: HostPort, reason: string, out: PathAction[]): void {
  s.direct = endpoint;
  s.path = { kind: 'direct', endpoint, reason };
  out.push({ type: 'set-endpoint', endpoint, reason });
}

/** Sends the next probe and schedules the one after it `every` ms later. */
export function sendProbe(s: Draft, now: number, every: number, out: PathAction[]): void {
  const seq = ++s.probeSeq;
  s.probes = [...s.probes, { seq, sentMs: now }];
  s.nextProbeAtMs = now + every;
  out.push({ type: 'send-probe', seq });
}


/** Probes at once unless a probe is already on its way, then at the suspect rate. */
export function becomeSuspect(s: Draft, now: number, t: PathTuning): void {
  enter(s, 'suspect', now);
  s.nextProbeAtMs = s.probes.length > 0 ? Math.min(s.nextProbeAtMs, now + t.suspectProbeIntervalMs) : now;
}
