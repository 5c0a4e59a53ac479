import { StatusWriter, type PeerStatus, type ResourceApi, type WireKubePeer } from '@wirekube/k8s';
import { WireKubeError, type Clock, type Logger, type Rng } from '@wirekube/util';
import { materialKey, planningKey } from './status-model';

/** Options of a {@link PeerStatusPublisher}. Durations in ms. */
export interface PeerStatusPublisherOptions {
  name: string;
  /** JSON-merge-patches the status subresource with `patch`; rejects when the API server is unavailable. */
  patchStatus(name: string, patch: unknown): Promise<void>;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** Least time between two writes, whatever changed. */
  minGapMs: number;
  /** Counters-only changes are published at most this often (the steady-state write rate). */
  refreshMs: number;
}

/**
 * Peers per `refreshMs` of health gap: a node with P peers writes health-only changes at most once
 * per `refreshMs × P / HEALTH_PEERS_PER_REFRESH` (never less than the min gap), so the whole mesh
 * writes at most ≈ HEALTH_PEERS_PER_REFRESH / refreshMs health updates per second, and every
 * watcher receives O(1) events per second instead of O(N), whatever the churn.
 */
export const HEALTH_PEERS_PER_REFRESH = 100;

/** Least time (ms) between health-only writes of a node with `peers` peers. Pure. */
export function healthGapMs(peers: number, refreshMs: number): number {
  return (refreshMs * peers) / HEALTH_PEERS_PER_REFRESH;
}

/**
 * This node's WireKubePeer status through `@wirekube/k8s`'s {@link StatusWriter} (change-only,
 * rate-limited to `minGapMs`, merge patches of just the changed fields, retries with backoff that
 * keep the newest status). In front of it, a gate with three rates, by what changed since the
 * last status that passed (every status WireKubePeer watcher receives each write, so writes are N²
 * events unless they are rare):
 * - what other agents plan from (`planningKey`: NAT facts, own spec validity): after the min gap;
 * - health (`materialKey`: connected, path summary and table, conditions): after
 *   {@link healthGapMs} for the node's peer count — 2 s at 7 peers, 5 min at 1000;
 * - counters and timestamps only: after `refreshMs`, or the health gap when that is longer.
 */
export class PeerStatusPublisher {
  private readonly writer: StatusWriter<PeerStatus, WireKubePeer>;
  private passed?: { planning: string; material: string; atMs: number };
  /** The newest status held back by the gate, re-offered when its gap ends. */
  private held?: PeerStatus;
  private timer?: ReturnType<Clock['setTimeout']>;

  constructor(private readonly o: PeerStatusPublisherOptions) {
    this.writer = new StatusWriter<PeerStatus, WireKubePeer>(statusOnlyApi(o.patchStatus), { clock: o.clock, rng: o.rng, minIntervalMs: o.minGapMs, logger: o.logger });
  }

  /** Offers the current status; written now, once its gap ends (the newest held one), or never (unchanged). */
  offer(status: PeerStatus): void {
    const planning = planningKey(status);
    const material = materialKey(status);
    const now = this.o.clock.now();
    const last = this.passed;
    if (last && last.planning === planning) {
      const s = status.pathSummary;
      const health = healthGapMs(s ? s.direct + s.relay + s.none : 0, this.o.refreshMs);
      const gap = last.material === material ? Math.max(this.o.refreshMs, health) : health;
      if (now - last.atMs < gap) {
        this.hold(status, last.atMs + gap - now);
        return;
      }
    }
    this.held = undefined;
    this.passed = { planning, material, atMs: now };
    this.writer.update(this.o.name, status);
  }

  private hold(status: PeerStatus, ms: number): void {
    this.held = status;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      const held = this.held;
      if (held) this.offer(held);
    }, ms);
  }

  /** Status writes done, for metrics and tests. */
  get writes(): number {
    return this.writer.stats.writes;
  }

  /** Stops deferred writes. */
  close(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.held = undefined;
    this.writer.close();
  }
}

/** A ResourceApi that can only patch `/status` — all the status writer calls. */
function statusOnlyApi(patchStatus: (name: string, patch: unknown) => Promise<void>): ResourceApi<WireKubePeer> {
  const refuse = (what: string) => () => Promise.reject(new WireKubeError('unsupported', `the agent's status writer does not ${what}`));
  return {
    path: '/apis/wirekube.io/v1alpha1/wirekubepeers',
    list: refuse('list'),
    get: refuse('get'),
    create: refuse('create'),
    replace: refuse('replace'),
    mergePatch: refuse('patch specs'),
    delete: refuse('delete'),
    mergePatchStatus: async (name, body) => {
      await patchStatus(name, (body as { status: unknown }).status);
      // The writer ignores the returned object; the informer delivers the real one.
      return {} as WireKubePeer;
    },
  };
}
