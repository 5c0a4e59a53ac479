/**
 * Lease-based leader election (coordination.k8s.io/v1), following client-go's rules: a lease is
 * expired when its record has not changed for `leaseDurationMs` of *our* clock (so clock skew
 * between candidates does not matter); the holder renews every `retryPeriodMs` and steps down if
 * it cannot renew within `renewDeadlineMs`; writes are guarded by resourceVersion, so two
 * candidates can never both win; a graceful stop releases the lease for an immediate takeover.
 */
import { errorMessage, nullLogger, type Clock, type Logger } from '@wirekube/util';
import { isConflict } from '../client/kube-error';
import type { KubeLease, ResourceApi } from '../client/resource-api';

/** Options of {@link LeaderElector}. Durations in milliseconds. */
export interface LeaderElectorOptions {
  api: ResourceApi<KubeLease>;
  /** Lease name, e.g. `wirekube-gateway-controller`. */
  leaseName: string;
  /** This candidate's identity (pod name). */
  identity: string;
  clock: Clock;
  logger?: Logger;
  /** Default 15 000. */
  leaseDurationMs?: number;
  /** Default 10 000. */
  renewDeadlineMs?: number;
  /** Default 2 000. */
  retryPeriodMs?: number;
  /** Called when this candidate becomes leader; the signal aborts when leadership is lost. */
  onStartedLeading?: (signal: AbortSignal) => void;
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to this candidate). */
  onNewLeader?: (identity: string) => void;
}

const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** One candidate. Use {@link run} for the loop, or {@link tryAcquireOrRenew} step by step. */
export class LeaderElector {
  private observedRv = '';
  private observedAt = -Infinity;
  private observedHolder = '';
  private leading = false;
  private lastRenewAt = -Infinity;
  private stopped = false;
  private leaderAbort?: AbortController;
  private readonly logger: Logger;
  private readonly leaseMs: number;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.logger = (opts.logger ?? nullLogger).child({ lease: opts.leaseName, identity: opts.identity });
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
  }

  /** True while this candidate holds the lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The last holder this candidate saw ('' = none). */
  get leader(): string {
    return this.observedHolder;
  }

  /**
   * One attempt: create the lease, renew it, or take it over if it expired. Returns whether this
   * candidate holds it afterwards. API errors count as "not acquired" (logged), never throw.
   */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.opts.clock.now();
    const mono = this.opts.clock.monotonic();
    try {
      const cur = await this.opts.api.get(this.opts.leaseName);
      const spec = cur?.spec ?? {};
      if (cur && cur.metadata.resourceVersion !== this.observedRv) {
        this.observedRv = cur.metadata.resourceVersion ?? '';
        this.observedAt = mono;
        this.observe(spec.holderIdentity ?? '');
      }
      const holder = spec.holderIdentity ?? '';
      const mine = holder === this.opts.identity;
      if (cur && holder && !mine && this.observedAt + this.leaseMs > mono) return this.setLeading(false);
      const next: KubeLease = {
        metadata: { name: this.opts.leaseName, ...(cur ? { resourceVersion: cur.metadata.resourceVersion } : {}) },
        spec: {
          holderIdentity: this.opts.identity,
          leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
          acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (cur && !mine && holder ? 1 : 0),
        },
      };
      const written = cur ? await this.opts.api.replace(next) : await this.opts.api.create(next);
      this.observedRv = written.metadata.resourceVersion ?? '';
      this.observedAt = mono;
      this.lastRenewAt = mono;
      this.observe(this.opts.identity);
      return this.setLeading(true);
    } catch (err) {
      if (!isConflict(err)) this.logger.warn('lease attempt failed', { error: errorMessage(err) });
      // A holder that cannot renew within the deadline must stop acting as leader.
      if (this.leading && mono - this.lastRenewAt >= (this.opts.renewDeadlineMs ?? 10_000)) return this.setLeading(false);
      return this.leading;
    }
  }

  /** Runs attempts every retry period until {@link stop}. */
  async run(): Promise<void> {
    this.stopped = false;
    while (!this.stopped) {
      await this.tryAcquireOrRenew();
      if (this.stopped) break;
      await this.opts.clock.sleep(this.opts.retryPeriodMs ?? 2_000);
    }
  }

  /** Stops the loop; if leading, releases the lease so another candidate can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    try {
      const cur = await this.opts.api.get(this.opts.leaseName);
      if (cur?.spec?.holderIdentity === this.opts.identity) {
        await this.opts.api.replace({ ...cur, spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.opts.clock.now()) } });
      }
    } catch (err) {
      this.logger.warn('releasing the lease failed; it will expire', { error: errorMessage(err) });
    }
    this.setLeading(false);
  }

  private observe(holder: string): void {
    if (holder === this.observedHolder) return;
    this.observedHolder = holder;
    this.opts.onNewLeader?.(holder);
  }

  private setLeading(v: boolean): boolean {
    if (v === this.leading) return v;
    this.leading = v;
    this.logger.info(v ? 'became leader' : 'lost leadership');
    if (v) {
      this.leaderAbort = new AbortController();
      this.opts.onStartedLeading?.(this.leaderAbort.signal);
    } else {
      this.leaderAbort?.abort();
      this.opts.onStoppedLeading?.();
    }
    return v;
  }
}
