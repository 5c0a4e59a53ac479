/**
 * A list-then-watch cache of one resource type with change handlers, in the client-go mould:
 * the watch resumes from the last seen resourceVersion (bookmarks keep it fresh), a `410 Gone`
 * triggers a relist that reconciles the cache (synthesising deletes for objects that vanished),
 * errors retry with backoff instead of stopping (client-node's own ListWatch gives up), and a
 * periodic resync re-delivers every object as an update so level-triggered controllers heal.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { backoffDelay, errorMessage, nullLogger, type BackoffOptions, type Clock, type Logger, type Rng, type TimerHandle } from '@wirekube/util';
import type { KubeObject, ListOptions, ResourceApi } from '../client/resource-api';

/** Change callbacks. `onUpdate` with `old === obj` is a resync. Handlers must not throw. */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

/** Options of {@link Informer}. Durations in milliseconds. */
export interface InformerOptions<T extends KubeObject> {
  api: ResourceApi<T>;
  kubeConfig: KubeConfig;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  listOptions?: ListOptions;
  /** Re-deliver every cached object as an update this often; 0 disables. Default 0. */
  resyncIntervalMs?: number;
  /** Backoff between failed list/watch attempts. Default 200 ms → 10 s. */
  backoff?: BackoffOptions;
  /** Server-side watch timeout, so connections rotate. Default 300 s (+ up to 100% jitter). */
  watchTimeoutSeconds?: number;
}

/** Cache key of an object: `name` or `namespace/name`. */
export function objectKey(o: KubeObject): string {
  const m = o.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

/** A watched cache of one resource type. Construct, add handlers, then {@link start}. */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private stopped = true;
  /** Bumped by stop(): callbacks of a watch from an earlier start are ignored. */
  private epoch = 0;
  private failures = 0;
  private abort?: AbortController;
  private timer?: TimerHandle;
  private resyncTimer?: TimerHandle;
  private syncWaiters: Array<() => void> = [];
  private readonly logger: Logger;

  constructor(private readonly opts: InformerOptions<T>) {
    this.logger = (opts.logger ?? nullLogger).child({ informer: opts.api.path });
  }

  /** Registers handlers (before or after start; later ones do not see earlier adds). */
  on(h: InformerHandlers<T>): this {
    this.handlers.push(h);
    return this;
  }

  /** True once the first list has been delivered. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Cached object by key (see {@link objectKey}). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.cache.values()];
  }

  /** Starts list+watch; resolves after the first successful list. */
  start(): Promise<void> {
    this.stopped = false;
    void this.relist();
    if (this.opts.resyncIntervalMs) this.scheduleResync(this.opts.resyncIntervalMs);
    return this.waitForSync();
  }

  /** Resolves when the cache has been filled once. */
  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  /** Stops watching; the cache keeps its last contents. */
  stop(): void {
    this.stopped = true;
    this.epoch++;
    this.abort?.abort();
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    if (this.resyncTimer) this.opts.clock.clearTimeout(this.resyncTimer);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const epoch = this.epoch;
    try {
      const l = await this.opts.api.list(this.opts.listOptions);
      if (epoch !== this.epoch) return;
      this.replace(l.items);
      this.resourceVersion = l.resourceVersion;
      this.failures = 0;
      if (!this.synced) {
        this.synced = true;
        this.syncWaiters.splice(0).forEach((w) => w());
      }
      await this.watch();
    } catch (err) {
      if (epoch === this.epoch) this.retry('list failed', err, () => this.relist());
    }
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const epoch = this.epoch;
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.round(base * (1 + this.opts.rng.next())),
      ...this.opts.listOptions,
    };
    let expired = false;
    this.abort = await new Watch(this.opts.kubeConfig).watch(
      this.opts.api.path,
      query,
      (type, obj: T & { code?: number }) => {
        if (epoch !== this.epoch) return;
        if (type === 'ERROR') {
          expired = obj.code === 410;
          if (!expired) this.logger.warn('watch error event', { status: obj.code });
          return;
        }
        if (type !== 'BOOKMARK') this.apply(type, obj);
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      },
      (err: unknown) => {
        if (epoch !== this.epoch) return;
        if (err && (err as { name?: string }).name !== 'AbortError') this.retry('watch failed', err, () => this.relist());
        else if (expired) void this.relist();
        else void this.watch().catch((e) => this.retry('watch failed', e, () => this.relist()));
      },
    );
  }

  private apply(type: string, obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.cache.delete(key);
      this.emit((h) => h.onDelete?.(old ?? obj));
    } else {
      this.cache.set(key, obj);
      if (old) this.emit((h) => h.onUpdate?.(old, obj));
      else this.emit((h) => h.onAdd?.(obj));
    }
  }

  /** Reconciles the cache with a fresh list: adds, updates (changed resourceVersion) and deletes. */
  private replace(items: T[]): void {
    const fresh = new Map(items.map((o) => [objectKey(o), o] as const));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emit((h) => h.onDelete?.(old));
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emit((h) => h.onAdd?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
    }
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.logger.error('informer handler threw', { error: errorMessage(err) });
      }
    }
  }

  private retry(what: string, err: unknown, again: () => Promise<void>): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.failures++, this.opts.backoff ?? { initialMs: 200, maxMs: 10_000 }, this.opts.rng);
    this.logger.warn(what, { error: errorMessage(err), retryInMs: delay });
    this.timer = this.opts.clock.setTimeout(() => void again(), delay);
  }

  private scheduleResync(ms: number): void {
    this.resyncTimer = this.opts.clock.setTimeout(() => {
      for (const obj of this.cache.values()) this.emit((h) => h.onUpdate?.(obj, obj));
      this.scheduleResync(ms);
    }, ms);
  }
}
