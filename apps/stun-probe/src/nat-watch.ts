import type { NatReport } from '@wirekube/proto';
import { errorMessage, type Clock, type Logger } from '@wirekube/util';
import { sameNat } from './nat-report';

/** Dependencies of one {@link NatWatch}. */
export interface NatWatchOptions {
  probe(): Promise<NatReport>;
  clock: Clock;
  intervalMs: number;
  /** Subscribes to interface changes; returns an unsubscribe function. */
  interfaceChanges(listener: () => void): () => void;
  /** Receives the first report and every report that differs from the last one published. */
  publish(report: NatReport): void;
  logger: Logger;
  /** Counts failed probes. */
  onError?(err: unknown): void;
}

/**
 * Re-probes at once, then every `intervalMs` and whenever interfaces change, and publishes only
 * real changes ({@link sameNat}). Probes never overlap: a trigger during a probe runs one more
 * probe right after it. A failed probe is logged and retried at the next trigger.
 */
export class NatWatch {
  private last: NatReport | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private timer: ReturnType<Clock['setTimeout']> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: NatWatchOptions) {}

  /** Starts watching; the first probe starts immediately. */
  start(): void {
    this.unsubscribe = this.o.interfaceChanges(() => {
      this.o.logger.info('interfaces changed, re-probing');
      void this.trigger();
    });
    void this.trigger();
  }

  /** Stops all timers and listeners. A probe in flight finishes but publishes nothing. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  private async trigger(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    try {
      do {
        this.again = false;
        try {
          const report = await this.o.probe();
          if (this.stopped) return;
          if (!this.last || !sameNat(this.last, report)) {
            this.last = report;
            this.o.publish(report);
          }
        } catch (err) {
          this.o.onError?.(err);
          this.o.logger.warn('NAT probe failed', { error: errorMessage(err) });
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
      if (!this.stopped) this.timer = this.o.clock.setTimeout(() => void this.trigger(), this.o.intervalMs);
    }
  }
}
