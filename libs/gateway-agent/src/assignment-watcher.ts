import type { ClientReadableStream } from '@grpc/grpc-js';
import type { Assignments, GatewayControlClient } from '@wirekube/proto';
import { backoffDelay, errorMessage, nullLogger, type BackoffOptions, type Clock, type Logger, type Rng, type TimerHandle } from '@wirekube/util';

/** Default reconnect backoff: 200 ms doubling to 10 s, so a restarted controller is found quickly. */
export const WATCH_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 10_000 };

/** Options of an {@link AssignmentWatcher}. */
export interface AssignmentWatcherOptions {
  client: GatewayControlClient;
  nodeName: string;
  /** Receives every full assignment set, in order; it is awaited before the next one is delivered. */
  onAssignments: (a: Assignments) => Promise<void>;
  /** Told about each connection change (for readiness and logs). */
  onConnected?: (connected: boolean) => void;
  clock: Clock;
  rng: Rng;
  backoff?: BackoffOptions;
  logger?: Logger;
}

/**
 * Keeps one `WatchAssignments` stream open for this node, reopening it with jittered exponential
 * backoff whenever it ends or fails (the attempt count resets once a message arrives). The last
 * assignments stay in force while disconnected: the data plane must not depend on the controller.
 */
export class AssignmentWatcher {
  private call?: ClientReadableStream<Assignments>;
  private timer?: TimerHandle;
  private attempt = 0;
  private stopped = true;
  private queue: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly opts: AssignmentWatcherOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'gateway-watch' });
  }

  /** Opens the stream. Idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  /** Closes the stream and cancels any pending reconnect; resolves once queued deliveries finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.call?.cancel();
    this.call = undefined;
    await this.queue;
  }

  private open(): void {
    const call = this.opts.client.watchAssignments({ nodeName: this.opts.nodeName });
    this.call = call;
    let announced = false;
    call.on('data', (a: Assignments) => {
      this.attempt = 0;
      if (!announced) {
        announced = true;
        this.opts.onConnected?.(true);
      }
      this.queue = this.queue.then(() =>
        this.opts.onAssignments(a).catch((err) => this.log.error('applying gateway assignments failed', { revision: a.revision, error: errorMessage(err) })),
      );
    });
    const retry = (why: string) => {
      if (this.call !== call) return;
      this.call = undefined;
      if (announced) this.opts.onConnected?.(false);
      if (this.stopped) return;
      const delay = backoffDelay(this.attempt++, this.opts.backoff ?? WATCH_BACKOFF, this.opts.rng);
      this.log.warn('gateway assignment stream lost; reconnecting', { reason: why, delayMs: delay });
      this.timer = this.opts.clock.setTimeout(() => {
        if (!this.stopped) this.open();
      }, delay);
    };
    call.on('error', (err: Error) => retry(errorMessage(err)));
    call.on('end', () => retry('stream ended'));
  }
}
