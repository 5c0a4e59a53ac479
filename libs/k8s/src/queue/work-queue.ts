/**
 * A keyed work queue in the client-go mould: adding a key that is already waiting is a no-op
 * (coalescing); a key is never handled by two workers at once — if it is added while being
 * handled, it runs once more afterwards; a failed key is retried with exponential backoff (per
 * key, jittered) while other keys keep flowing. Time comes from the injected Clock.
 */
import { backoffDelay, errorMessage, nullLogger, type BackoffOptions, type Clock, type Logger, type Rng, type TimerHandle } from '@wirekube/util';

/** Handles one key. Throwing (or rejecting) schedules a retry with backoff. */
export type KeyHandler = (key: string) => Promise<void>;

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  clock: Clock;
  rng: Rng;
  /** Retry backoff per key; default 100 ms doubling to 30 s. */
  backoff?: BackoffOptions;
  /** Keys handled in parallel (distinct keys only). Default 1. */
  concurrency?: number;
  logger?: Logger;
  /** Called after each failed attempt (metrics hook). */
  onError?: (key: string, err: unknown, attempt: number) => void;
}

/** Default retry backoff. */
export const DEFAULT_QUEUE_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** A coalescing, per-key serialised work queue with backoff retries. Call {@link start} to run. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys added while being processed: they go back in the queue when the handler finishes. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, TimerHandle>();
  private readonly idleWaiters: Array<() => void> = [];
  private running = false;
  private readonly logger: Logger;

  constructor(
    private readonly handler: KeyHandler,
    private readonly opts: WorkQueueOptions,
  ) {
    this.logger = opts.logger ?? nullLogger;
  }

  /** Keys waiting (not counting delayed retries). */
  get depth(): number {
    return this.queue.length;
  }

  /** Keys being handled right now. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Consecutive failures of `key` since its last success. */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Enqueues `key` now; a no-op if it is already waiting. Cancels a pending delayed retry. */
  add(key: string): void {
    const t = this.delayed.get(key);
    if (t) {
      this.opts.clock.clearTimeout(t);
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Enqueues `key` after `ms` (a later {@link add} brings it forward). */
  addAfter(key: string, ms: number): void {
    if (this.delayed.has(key) || this.queued.has(key)) return;
    this.delayed.set(
      key,
      this.opts.clock.setTimeout(() => {
        this.delayed.delete(key);
        this.add(key);
      }, ms),
    );
  }

  /** Starts handing keys to the handler. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking new keys and cancels delayed retries; resolves when in-flight handlers finish. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.delayed.values()) this.opts.clock.clearTimeout(t);
    this.delayed.clear();
    await this.idle();
  }

  /** Resolves when nothing is queued or in flight (delayed retries do not count). */
  idle(): Promise<void> {
    if (this.processing.size === 0 && (this.queue.length === 0 || !this.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 1;
    while (this.running && this.processing.size < limit && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      void this.run(key);
    }
    if (this.processing.size === 0 && (this.queue.length === 0 || !this.running)) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.failures.delete(key);
    } catch (err) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      const delay = backoffDelay(attempt - 1, this.opts.backoff ?? DEFAULT_QUEUE_BACKOFF, this.opts.rng);
      this.logger.warn('reconcile failed; retrying', { key, attempt, retryInMs: delay, error: errorMessage(err) });
      this.opts.onError?.(key, err, attempt);
      if (this.running && !this.dirty.has(key)) this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
