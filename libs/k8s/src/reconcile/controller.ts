/**
 * The reconcile-loop helper: informers feed keys into a {@link WorkQueue}; `reconcile(key)` reads
 * the informers' caches and makes the world match. Reconcile is level-triggered and idempotent:
 * it gets a key, never an event, so missed or coalesced events cannot cause drift. Failures are
 * logged, counted and retried with backoff; they never stop the loop.
 */
import type { BackoffOptions, Clock, Logger, Rng } from '@wirekube/util';
import { nullLogger } from '@wirekube/util';
import type { KubeObject } from '../client/resource-api';
import { objectKey, type Informer } from '../informer/informer';
import { WorkQueue } from '../queue/work-queue';

/** Options of {@link Controller}. */
export interface ControllerOptions {
  name: string;
  /** Brings the world in line with the desired state of `key`. Throw to retry later. */
  reconcile: (key: string) => Promise<void>;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Distinct keys reconciled in parallel. Default 1. */
  concurrency?: number;
}

/** Informers + work queue + reconcile function. */
export class Controller {
  private readonly informers: Array<Informer<KubeObject>> = [];
  private readonly queue: WorkQueue;
  /** Counters for metrics: reconciles attempted and failed. */
  readonly stats = { reconciles: 0, errors: 0 };

  constructor(opts: ControllerOptions) {
    const logger = (opts.logger ?? nullLogger).child({ controller: opts.name });
    this.queue = new WorkQueue(
      async (key) => {
        this.stats.reconciles++;
        await opts.reconcile(key);
      },
      { clock: opts.clock, rng: opts.rng, backoff: opts.backoff, concurrency: opts.concurrency, logger, onError: () => this.stats.errors++ },
    );
  }

  /**
   * Enqueues keys for every change seen by `informer` (and every resync). `keysOf` maps an object
   * to the keys it affects — its own by default; e.g. a Node change can map to its WireKubePeer.
   */
  watch<T extends KubeObject>(informer: Informer<T>, keysOf: (obj: T) => string[] = (o) => [objectKey(o)]): this {
    const add = (o: T) => keysOf(o).forEach((k) => this.queue.add(k));
    informer.on({ onAdd: add, onUpdate: (_old, o) => add(o), onDelete: add });
    this.informers.push(informer as unknown as Informer<KubeObject>);
    return this;
  }

  /** Enqueues a key directly (timers, gRPC notifications). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Enqueues a key after a delay (periodic re-checks). */
  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /** Starts the informers, waits until every cache is filled, then starts reconciling. */
  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
    this.queue.start();
  }

  /** Stops informers and waits for in-flight reconciles. */
  async stop(): Promise<void> {
    this.informers.forEach((i) => i.stop());
    await this.queue.stop();
  }

  /** Resolves when no reconcile is queued or running (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
