import type { PeerStatus } from '@wirekube/k8s';
import { backoffDelay, errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';
import { materialKey } from './status-model';

/** Options of a {@link StatusWriter}. Durations in ms. */
export interface StatusWriterOptions {
  /** Writes the status subresource; rejects when the API server is unavailable. */
  write(status: PeerStatus): Promise<void>;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** Least time between two writes, whatever changed. */
  minGapMs: number;
  /** Counters-only changes are written at most this often (the steady-state write rate). */
  refreshMs: number;
}

/**
 * Change-only, rate-limited writer of this node's WireKubePeer status. A material change (path,
 * NAT, conditions — see `materialKey`) is written as soon as `minGapMs` since the last write allows;
 * a change of counters alone waits for `refreshMs`; an identical status is never written. Failed
 * writes keep the newest status pending and retry with backoff, so an API outage costs nothing but
 * staleness and the agent catches up when the server returns.
 */
export class StatusWriter {
  private desired?: PeerStatus;
  private written?: PeerStatus;
  private lastWriteMs = -Infinity;
  private failures = 0;
  private timer?: ReturnType<Clock['setTimeout']>;
  private writing = false;
  private closed = false;
  /** Writes done, for metrics and tests. */
  writes = 0;

  constructor(private readonly o: StatusWriterOptions) {}

  /** Offers the current status; the writer decides whether and when to write it. */
  offer(status: PeerStatus): void {
    this.desired = status;
    this.schedule();
  }

  /** The status last written successfully. */
  get lastWritten(): PeerStatus | undefined {
    return this.written;
  }

  /** Stops timers; a pending status is dropped. */
  close(): void {
    this.closed = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  private dueAt(): number | undefined {
    const d = this.desired;
    if (!d || this.closed) return undefined;
    const now = this.o.clock.now();
    if (this.failures > 0) return now + backoffDelay(this.failures - 1, { initialMs: 500, maxMs: 30_000 }, this.o.rng);
    if (!this.written || materialKey(d) !== materialKey(this.written)) return Math.max(now, this.lastWriteMs + this.o.minGapMs);
    const countersMoved = d.rxBytes !== this.written.rxBytes || d.txBytes !== this.written.txBytes || d.lastHandshake !== this.written.lastHandshake;
    return countersMoved ? Math.max(now, this.lastWriteMs + this.o.refreshMs) : undefined;
  }

  private schedule(): void {
    if (this.writing || (this.failures > 0 && this.timer)) return;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.dueAt();
    if (due === undefined) return;
    this.timer = this.o.clock.setTimeout(() => void this.flush(), Math.max(0, due - this.o.clock.now()));
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const s = this.desired;
    if (!s || this.closed) return;
    this.writing = true;
    try {
      await this.o.write(s);
      this.written = s;
      this.failures = 0;
      this.writes++;
    } catch (err) {
      this.failures++;
      this.o.logger.warn('status write failed; will retry', { err: errorMessage(err), attempt: this.failures });
    } finally {
      this.lastWriteMs = this.o.clock.now();
      this.writing = false;
    }
    this.schedule();
  }
}
