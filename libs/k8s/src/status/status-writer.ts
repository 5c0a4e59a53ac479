/**
 * Change-only, rate-limited status writes (DESIGN §3: a 1000-node mesh must not turn into N²
 * API traffic). Callers state the status they want as often as they like; the writer patches
 * `/status` only when it differs from what was last written, at most once per `minIntervalMs`
 * per object, and a write deferred by the rate limit carries the latest desired status.
 */
import { backoffDelay, errorMessage, nullLogger, type Clock, type Logger, type Rng, type TimerHandle } from '@wirekube/util';
import { isNotFound } from '../client/kube-error';
import type { KubeObject, ResourceApi } from '../client/resource-api';
import { mergePatchDiff } from './merge-diff';

/** Options of {@link StatusWriter}. */
export interface StatusWriterOptions {
  clock: Clock;
  rng: Rng;
  /** Minimum time between two writes of one object. */
  minIntervalMs: number;
  logger?: Logger;
}

interface Entry<S> {
  written?: S;
  desired?: S;
  lastWriteAt: number;
  timer?: TimerHandle;
  failures: number;
  inFlight?: Promise<void>;
}

/** Writes statuses of one resource type. */
export class StatusWriter<S, T extends KubeObject = KubeObject> {
  private readonly entries = new Map<string, Entry<S>>();
  private readonly logger: Logger;
  /** Writes sent / desired statuses that needed no write (for metrics and tests). */
  readonly stats = { writes: 0, unchanged: 0, deferred: 0, failures: 0 };

  constructor(
    private readonly api: ResourceApi<T>,
    private readonly opts: StatusWriterOptions,
  ) {
    this.logger = opts.logger ?? nullLogger;
  }

  /** Tells the writer what the object's status currently is (e.g. from an informer), without writing. */
  observe(name: string, status: S | undefined): void {
    const e = this.entry(name);
    if (!e.inFlight) e.written = status;
  }

  /** Declares the desired status of `name`; writes now, later (rate limit) or never (unchanged). */
  update(name: string, status: S): void {
    const e = this.entry(name);
    e.desired = status;
    if (mergePatchDiff(e.written ?? {}, status) === undefined && !e.timer) {
      this.stats.unchanged++;
      e.desired = undefined;
      return;
    }
    this.schedule(name, e);
  }

  /** Waits for every in-flight write (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.inFlight));
  }

  /** Cancels deferred writes. */
  close(): void {
    for (const e of this.entries.values()) if (e.timer) this.opts.clock.clearTimeout(e.timer);
  }

  /** Forgets an object (it was deleted). */
  forget(name: string): void {
    const e = this.entries.get(name);
    if (e?.timer) this.opts.clock.clearTimeout(e.timer);
    this.entries.delete(name);
  }

  private entry(name: string): Entry<S> {
    let e = this.entries.get(name);
    if (!e) this.entries.set(name, (e = { lastWriteAt: -Infinity, failures: 0 }));
    return e;
  }

  private schedule(name: string, e: Entry<S>): void {
    if (e.timer || e.inFlight) return;
    const wait = e.lastWriteAt + this.opts.minIntervalMs - this.opts.clock.monotonic();
    if (wait > 0) {
      this.stats.deferred++;
      e.timer = this.opts.clock.setTimeout(() => {
        e.timer = undefined;
        this.write(name, e);
      }, wait);
    } else this.write(name, e);
  }

  private write(name: string, e: Entry<S>): void {
    const desired = e.desired;
    e.desired = undefined;
    if (desired === undefined) return;
    const patch = mergePatchDiff(e.written ?? {}, desired);
    if (patch === undefined) return;
    e.lastWriteAt = this.opts.clock.monotonic();
    e.inFlight = this.api
      .mergePatchStatus(name, { status: patch })
      .then(() => {
        e.written = desired;
        e.failures = 0;
        this.stats.writes++;
      })
      .catch((err: unknown) => {
        this.stats.failures++;
        if (isNotFound(err)) {
          this.entries.delete(name);
          return;
        }
        // Keep the newest desired status; retry it after backoff.
        e.desired ??= desired;
        const delay = backoffDelay(e.failures++, { initialMs: this.opts.minIntervalMs || 100, maxMs: 30_000 }, this.opts.rng);
        this.logger.warn('status write failed; retrying', { name, retryInMs: delay, error: errorMessage(err) });
        e.lastWriteAt = this.opts.clock.monotonic() + delay - this.opts.minIntervalMs;
      })
      .finally(() => {
        e.inFlight = undefined;
        if (e.desired !== undefined && this.entries.has(name)) this.schedule(name, e);
      });
  }
}
