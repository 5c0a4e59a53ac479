import type { Clock, Rng, TimerHandle } from '@wirekube/util';
import type { PathState } from '../node-plan';
import { initialPathState, stepPath } from './path-machine';
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
   * Called after a step that produced actions or changed the published path, synchronously, in
   * event order. `path` is the peer's new published path (feed it to `planNode`).
   */
  onChange(peer: string, actions: readonly PathAction[], path: PathState, state: PeerPathState): void;
}

/**
 * Runs one {@link stepPath} machine per remote peer on an injected clock: stamps events, keeps one
 * timer per peer for the machine's `wakeAtMs`, and hands actions to the agent. Holds no I/O itself;
 * the agent turns actions into WireGuard writes, punch requests and probes, and feeds the results
 * back with {@link PathDriver.handle}. Events for unknown peers are ignored.
 */
export class PathDriver {
  private readonly peers = new Map<string, { state: PeerPathState; timer?: TimerHandle }>();
  private readonly tuning: PathTuning;

  constructor(private readonly o: PathDriverOptions) {
    this.tuning = { ...DEFAULT_PATH_TUNING, ...o.tuning };
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
    const step = stepPath(e.state, { ...input, atMs: now } as PathEvent, this.tuning, this.o.rng);
    const prev = e.state;
    e.state = step.state;
    if (e.timer) this.o.clock.clearTimeout(e.timer);
    delete e.timer;
    if (step.wakeAtMs !== undefined) e.timer = this.o.clock.setTimeout(() => this.handle(peer, { type: 'tick' }), Math.max(0, step.wakeAtMs - now));
    if (step.actions.length > 0 || step.state.path !== prev.path) this.o.onChange(peer, step.actions, step.state.path, step.state);
  }

  /** Cancels every timer. */
  close(): void {
    for (const name of this.names()) this.remove(name);
  }
}
