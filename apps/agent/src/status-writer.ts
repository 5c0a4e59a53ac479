import { StatusWriter, type PeerStatus, type ResourceApi, type WireKubePeer } from '@wirekube/k8s';
import { WireKubeError, type Clock, type Logger, type Rng } from '@wirekube/util';
import { materialKey } from './status-model';

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
 * This node's WireKubePeer status through `@wirekube/k8s`'s {@link StatusWriter} (change-only,
 * rate-limited to `minGapMs`, merge patches of just the changed fields, retries with backoff that
 * keep the newest status). In front of it, a gate for the agent's second rate: a status whose
 * material part (see `materialKey`: paths, NAT, conditions) is unchanged — only counters and
 * timestamps moved — is held back until `refreshMs` after the last one passed.
 */
export class PeerStatusPublisher {
  private readonly writer: StatusWriter<PeerStatus, WireKubePeer>;
  private passed?: { key: string; atMs: number };

  constructor(private readonly o: PeerStatusPublisherOptions) {
    this.writer = new StatusWriter<PeerStatus, WireKubePeer>(statusOnlyApi(o.patchStatus), { clock: o.clock, rng: o.rng, minIntervalMs: o.minGapMs, logger: o.logger });
  }

  /** Offers the current status; written now, after the min gap, at the next refresh, or never (unchanged). */
  offer(status: PeerStatus): void {
    const key = materialKey(status);
    const now = this.o.clock.now();
    if (this.passed?.key === key && now - this.passed.atMs < this.o.refreshMs) return;
    this.passed = { key, atMs: now };
    this.writer.update(this.o.name, status);
  }

  /** Status writes done, for metrics and tests. */
  get writes(): number {
    return this.writer.stats.writes;
  }

  /** Stops deferred writes. */
  close(): void {
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
