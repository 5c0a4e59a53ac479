import { backoffDelay, errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';

/**
 * Runs one async job at a time, however often it is kicked: kicks during a run collapse into one
 * more run afterwards, so a burst of watch events costs at most two reconciles. A failing run is
 * retried with backoff until one succeeds; `later(ms)` asks for a run after a delay (e.g. a grace
 * period ending).
 */
export class Coalescer {
  private running = false;
  private again = false;
  private failures = 0;
  private timer?: ReturnType<Clock['setTimeout']>;
  private closed = false;
  /** Completed runs (successful or not), for metrics and tests. */
  runs = 0;

  constructor(private readonly job: () => Promise<void>, private readonly o: { clock: Clock; rng: Rng; logger: Logger; what: string }) {}

  /** Requests a run as soon as possible. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  /** Requests a run after `ms` unless one happens earlier. */
  later(ms: number): void {
    if (this.closed || this.timer) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }

  /** Stops scheduling; a run in progress finishes. */
  close(): void {
    this.closed = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.running = true;
    this.again = false;
    try {
      await this.job();
      this.failures = 0;
    } catch (err) {
      this.failures++;
      const delay = backoffDelay(this.failures - 1, { initialMs: 200, maxMs: 10_000 }, this.o.rng);
      this.o.logger.warn(`${this.o.what} failed; retrying`, { err: errorMessage(err), attempt: this.failures, retryMs: delay });
      this.later(delay);
    } finally {
      this.runs++;
      this.running = false;
    }
    if (this.again) this.kick();
  }
}
