import type { BackoffOptions } from '@wirekube/util';
import type { HostPort, RelayMode } from '../domain';
import type { PathState } from '../node-plan';

/**
 * Tuning of the per-peer path machine. Durations in milliseconds. The defaults are chosen so that a
 * silent blackhole of a busy direct path is routed around well inside DESIGN §11's 3 s:
 * `silenceMs` (1000) + one stats sample (≤ 250) + `failoverLostProbes` × `suspectProbeIntervalMs`
 * (3 × 200, the last one timing out after `probeTimeoutMs`) ≈ 2.1 s, then one relay round trip.
 */
export interface PathTuning {
  /** Re-probe the direct path after a failure with this backoff (attempt = failures since the last stable direct period). */
  reprobe: BackoffOptions;
  /** A punch without a result after this long counts as failed. */
  punchTimeoutMs: number;
  /**
   * A switched endpoint must prove handshake + traffic within this long, or the peer goes back to
   * the relay. It bounds the traffic lost when a re-probe switches to a path that is still dead
   * (a working path proves itself in a few hundred ms: one probe round trip and one stats sample).
   */
  verifyTimeoutMs: number;
  /** Bytes received over the direct endpoint after the switch that count as traffic (more than WireGuard handshake messages). */
  proofRxBytes: number;
  /** A session older than this (WireGuard's REJECT_AFTER_TIME, 180 s) does not count as a handshake. */
  handshakeMaxAgeMs: number;
  /** Direct: transmitting while nothing was received for this long makes the path suspect. */
  silenceMs: number;
  /** Direct: one active probe per this interval, so a path carrying no traffic is still checked. */
  directProbeIntervalMs: number;
  /** Suspect/verifying: probe this often. */
  suspectProbeIntervalMs: number;
  /** A probe without reply after this long is lost. */
  probeTimeoutMs: number;
  /** Direct: this many probes lost in a row make the path suspect, even without traffic. */
  suspectLostProbes: number;
  /** Suspect: this many probes lost in a row, with nothing received for `silenceMs`, move the peer to the relay. */
  failoverLostProbes: number;
  /** Direct this long without trouble resets the re-probe backoff (hysteresis against flapping). */
  stableMs: number;
}

/** Defaults of {@link PathTuning}. */
export const DEFAULT_PATH_TUNING: PathTuning = {
  reprobe: { initialMs: 2000, maxMs: 60_000, factor: 2, jitter: 0.2 },
  punchTimeoutMs: 10_000,
  verifyTimeoutMs: 1500,
  proofRxBytes: 256,
  handshakeMaxAgeMs: 180_000,
  silenceMs: 1000,
  directProbeIntervalMs: 1000,
  suspectProbeIntervalMs: 200,
  probeTimeoutMs: 400,
  suspectLostProbes: 2,
  failoverLostProbes: 3,
  stableMs: 60_000,
};

/** What the pair matrix said about this peer (see `decidePair`). */
export interface PairMode {
  mode: 'direct' | 'birthday' | 'relay';
  reason: string;
}

/**
 * Something the agent observed about one remote peer. `atMs` is the injected clock's `now()`.
 * - `relay`: presence of the peer on a shared relay replica and the local proxy endpoint for it;
 * - `pair`: the pair matrix's current decision (re-sent when NAT reports or annotations change);
 * - `punch-offer`: the peer asked (through the relay) to punch with us;
 * - `punch-result`: a punch ended; `endpoint` is what WireGuard must send to (the peer's punched
 *   address, or the local bridge of a birthday win), absent on failure;
 * - `sample`: this peer's WireGuard counters (cumulative) and its current (possibly roamed) endpoint;
 * - `probe-reply`: an active probe sent through the tunnel came back;
 * - `tick`: the time asked for by `wakeAtMs` has come.
 */
export type PathEvent =
  | { type: 'relay'; atMs: number; present: boolean; endpoint?: HostPort }
  | { type: 'pair'; atMs: number; pair: PairMode; relayMode: RelayMode }
  | { type: 'punch-offer'; atMs: number; punchId: string }
  | { type: 'punch-result'; atMs: number; punchId: string; endpoint?: HostPort; reason?: string }
  | { type: 'sample'; atMs: number; endpoint?: HostPort; lastHandshakeMs: number; rxBytes: number; txBytes: number }
  | { type: 'probe-reply'; atMs: number; seq: number }
  | { type: 'tick'; atMs: number };

/**
 * What the agent must do. `set-endpoint` means: write this endpoint to the WireGuard peer even if
 * the agent believes it is already there (WireGuard roaming may have changed it) — i.e. pass the
 * key in `forceEndpoints`. `request-punch`: gather candidates and send a punch request through the
 * relay (this side initiates); `answer-punch`: answer an offer; `send-probe`: send active probe
 * `seq` through the tunnel to the peer (a reply is reported as `probe-reply`).
 */
export type PathAction =
  | { type: 'set-endpoint'; endpoint: HostPort; reason: string }
  | { type: 'request-punch'; punchId: string; mode: 'direct' | 'birthday' }
  | { type: 'answer-punch'; punchId: string; accept: boolean; reason: string }
  | { type: 'send-probe'; seq: number };

/** Phases of the machine; `path` is what is published and planned. */
export type PathPhase = 'down' | 'relay' | 'punching' | 'verifying' | 'direct' | 'suspect';

/** The whole state of one peer's machine: a plain value, replaced (never mutated) by `stepPath`. */
export interface PeerPathState {
  phase: PathPhase;
  path: PathState;
  /** Entered `phase` at. */
  sinceMs: number;
  /** This side sends punch requests (the other side answers offers), so both never ask at once. */
  initiator: boolean;
  relayMode: RelayMode;
  pair: PairMode;
  /** The peer is present on a relay replica this node holds a session with (punch coordination works). */
  present: boolean;
  /** The relay proxy endpoint while the peer is present on a shared replica. */
  relay?: HostPort;
  /** The direct endpoint being verified or used. */
  direct?: HostPort;
  /** Verifying: WireGuard roamed here instead (the peer's packets came another way). */
  strayFrom?: HostPort;
  /** Failures since the last stable direct period: the backoff exponent. */
  attempt: number;
  /** Relay/down: earliest time of the next punch request. */
  nextPunchAtMs: number;
  punchId?: string;
  punchSeq: number;
  /** Last sample's counters. */
  rxBytes: number;
  txBytes: number;
  lastHandshakeMs: number;
  /** When received bytes last grew, and the tx counter at that moment. */
  rxGrewAtMs: number;
  txAtRxGrowth: number;
  /** rx counter when the current direct endpoint was set. */
  rxAtSwitch: number;
  probeSeq: number;
  /** Outstanding probes: seq → sent at. */
  probes: ReadonlyArray<{ seq: number; sentMs: number }>;
  lostInRow: number;
  /** Probe replies since the current direct endpoint was set. */
  replies: number;
  nextProbeAtMs: number;
}

/** Result of one step: the new state, the actions in order, and when to deliver the next `tick`. */
export interface PathStep {
  state: PeerPathState;
  actions: PathAction[];
  /** Absent: no tick needed until the next event. */
  wakeAtMs?: number;
}
