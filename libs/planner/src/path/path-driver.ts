import type { Clock, Rng, TimerHandle } from '@wirekube/util';
import type { PathState } from '../node-plan';
import { initialPathState, stepPath, wantsPunch } from './path-machine';
import { DEFAULT_PATH_TUNING, type PairMode, type PathAction, type PathEvent, type PathTuning, type PeerPathState } from './path-types';

/** An event as the agent reports it; the driver stamps it with the clock. */
export type PathInput = PathEvent extends infer E ? (E extends PathEvent ? Omit<E, 'atMs'> : never) : never;

/** Options of {@link PathDriver}. */
export interface PathDriverOptions {
  clock: Clock;
  /** Jitter of the re-probe backoff. */
  rng: Rng;
  tuning?: Partial<PathTuning>;
  /**
   * At most this many peers in `punching` at once (default {@link DEFAULT_MAX_PUNCHING}). A node
   * joining a mesh of 1000 direct-capable peers would otherwise start ~500 punches in one go; the
   * rest stay on the relay and start, in turn, as punches end.
   */
  maxPunching?: number;
  /**
   * Called after a step that produced actions or changed the published path, synchronously, in
   * event order. `path` is the peer's new published path (feed it to `planNode`).
   */
  onChange(peer: string, actions: readonly PathAction[], path: PathState, state: PeerPathState): void;
}

/** Default bound on concurrent punches per node. */
export const DEFAULT_MAX_PUNCHING = 32;

/**
 * Runs one {@link stepPath} machine per remote peer on an injected clock: stamps events, keeps one
 * timer per peer for the machine's `wakeAtMs`, and hands actions to the agent. Holds no I/O itself;
 * the agent turns actions into WireGuard writes, punch requests and probes, and feeds the results
 * back with {@link PathDriver.handle}. Events for unknown peers are ignored.
 */
export class PathDriver {
  private readonly peers = new Map<string, { state: PeerPathState; timer?: TimerHandle }>();
  private readonly tuning: PathTuning;
  private readonly maxPunching: number;
  private punching = 0;
  /** Peers whose own punch is due but held back, oldest first. */
  private readonly held = new Set<string>();

  constructor(private readonly o: PathDriverOptions) {
    this.tuning = { ...DEFAULT_PATH_TUNING, ...o.tuning };
    this.maxPunching = o.maxPunching ?? DEFAULT_MAX_PUNCHING;
  }

  /** Starts tracking a peer (idempotent). `initiator` must be true on exactly one side of the pair. */
  add(peer: string, o: { initiator: boolean; pair?: PairMode }): void {
    if (this.peers.has(peer)) return;
    this.peers.set(peer, { state: initialPathState({ atMs: this.o.clock.now(), initiator: o.initiator, ...(o.pair && { pair: o.pair }) }) });
  }

  /** Stops tracking a peer and cancels its timer. */
  remove(peer: string): void {
    const e = this.peers.get(peer);
    if (e?.timer) this.o.clock.clearTimeout(e.timer);
    this.peers.delete(peer);
    this.held.delete(peer);
    if (e?.state.phase === 'punching') this.punchEnded();
  }

  /** The peer's machine state, if tracked. */
  state(peer: string): PeerPathState | undefined {
    return this.peers.get(peer)?.state;
  }

  /** Tracked peer names, sorted. */
  names(): string[] {
    return [...this.peers.keys()].sort();
  }

  /** Feeds one observation about `peer` into its machine. */
  handle(peer: string, input: PathInput): void {
    const e = this.peers.get(peer);
    if (!e) return;
    const now = this.o.clock.now();
    const prev = e.state;
    const step = stepPath(prev, { ...input, atMs: now } as PathEvent, this.tuning, this.o.rng, this.punching < this.maxPunching);
    e.state = step.state;
    if (e.timer) this.o.clock.clearTimeout(e.timer);
    delete e.timer;
    if (step.wakeAtMs !== undefined) e.timer = this.o.clock.setTimeout(() => this.handle(peer, { type: 'tick' }), Math.max(0, step.wakeAtMs - now));
    const was = prev.phase === 'punching';
    const is = step.state.phase === 'punching';
    if (wantsPunch(step.state, now)) this.held.add(peer);
    else this.held.delete(peer);
    if (!was && is) this.punching++;
    if (step.actions.length > 0 || step.state.path !== prev.path) this.o.onChange(peer, step.actions, step.state.path, step.state);
    if (was && !is) this.punchEnded();
  }

  /** A punch ended: the longest-held peer may start its own. */
  private punchEnded(): void {
    this.punching--;
    const next = this.held.values().next();
    if (!next.done) this.handle(next.value, { type: 'tick' });
  }

  /** Cancels every timer. */
  close(): void {
    for (const name of this.names()) this.remove(name);
  }
}
