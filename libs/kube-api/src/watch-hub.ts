/**
 * Watch streams: newline-delimited JSON events over a chunked HTTP response, exactly as the API
 * server sends them. Resumes from a resourceVersion (or answers an ERROR event with 410 when that
 * history is gone), sends BOOKMARKs when asked, ends at `timeoutSeconds`, turns selector
 * transitions into ADDED/DELETED, and drops a watcher whose client stops reading (it re-watches).
 * Each event is serialised once and the same bytes go to every matching watcher.
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '@wirekube/util';
import { gone } from './api-error';
import { apiVersionOf, type ResourceType } from './resource-types';
import type { Matcher } from './selectors';
import type { Obj, ObjectStore, StoreEvent } from './store';
import { renderTable } from './table';

/** What a watch request asked for. */
export interface WatchSpec {
  resource: ResourceType;
  namespace?: string;
  match: Matcher;
  /** '' / undefined / '0': start with ADDED for every current object. */
  resourceVersion?: string;
  bookmarks: boolean;
  timeoutMs?: number;
  table: boolean;
  /** WatchList: initial events then a BOOKMARK marked `k8s.io/initial-events-end`. */
  sendInitialEvents: boolean;
}

/** Tunables of the hub. */
export interface WatchHubOptions {
  clock: Clock;
  bookmarkIntervalMs: number;
  /** A watcher with more unsent bytes than this is closed (slow consumer). */
  maxBufferedBytes: number;
}

interface Watcher {
  spec: WatchSpec;
  res: ServerResponse;
  timer?: TimerHandle;
}

const encoded = new WeakMap<StoreEvent, string>();

/** Fans store events out to open watch responses. */
export class WatchHub {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private bookmarkTimer?: TimerHandle;
  private readonly unsubscribe: () => void;
  private sent = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly opts: WatchHubOptions,
  ) {
    this.unsubscribe = store.subscribe((e) => this.dispatch(e));
    this.scheduleBookmarks();
  }

  /** Open watch streams. */
  get size(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  /** Events written to watch streams since start (for the benchmark). */
  get eventsSent(): number {
    return this.sent;
  }

  /** Starts streaming to `res`. Throws nothing: a 410 is delivered in-stream, as the real server does. */
  open(spec: WatchSpec, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const w: Watcher = { spec, res };
    const rv = spec.resourceVersion;
    let backlog: Array<{ type: string; object: Obj }>;
    if (!rv || rv === '0' || spec.sendInitialEvents) {
      backlog = this.store.list(spec.resource, spec.namespace).filter(spec.match).map((object) => ({ type: 'ADDED', object }));
    } else {
      const since = /^\d+$/.test(rv) ? this.store.eventsSince(spec.resource, Number(rv)) : undefined;
      if (!since) {
        res.end(JSON.stringify({ type: 'ERROR', object: gone(rv, this.store.oldestResumableRv).toStatus() }) + '\n');
        return;
      }
      backlog = since.flatMap((e) => this.translate(w, e)).map(([type, object]) => ({ type, object }));
    }
    for (const b of backlog) this.write(w, this.line(w, b.type, b.object));
    if (spec.sendInitialEvents) this.write(w, JSON.stringify(this.bookmark(spec.resource, true)) + '\n');
    const key = `${spec.resource.group}/${spec.resource.version}/${spec.resource.plural}`;
    const set = this.watchers.get(key) ?? new Set();
    set.add(w);
    this.watchers.set(key, set);
    const close = () => {
      set.delete(w);
      if (w.timer) this.opts.clock.clearTimeout(w.timer);
    };
    res.on('close', close);
    if (spec.timeoutMs !== undefined) w.timer = this.opts.clock.setTimeout(() => res.end(), spec.timeoutMs);
  }

  /** Ends every open stream; clients re-watch from their last resourceVersion. */
  endAll(): void {
    for (const set of this.watchers.values()) for (const w of set) w.res.end();
    this.watchers.clear();
  }

  /** Ends every stream and stops listening to the store (server shutdown). */
  close(): void {
    this.unsubscribe();
    if (this.bookmarkTimer) this.opts.clock.clearTimeout(this.bookmarkTimer);
    this.endAll();
  }

  private dispatch(e: StoreEvent): void {
    const set = this.watchers.get(`${e.resource.group}/${e.resource.version}/${e.resource.plural}`);
    if (!set) return;
    for (const w of set) {
      for (const [type, object] of this.translate(w, e)) {
        // The common case (no selector transition, JSON) shares one encoding across watchers.
        const shared = type === e.type && !w.spec.table;
        let text = shared ? encoded.get(e) : undefined;
        if (text === undefined) {
          text = this.line(w, type, object);
          if (shared) encoded.set(e, text);
        }
        this.write(w, text);
      }
    }
  }

  /** Maps a store event onto what this watcher should see (selector transitions included). */
  private translate(w: Watcher, e: StoreEvent): Array<[string, Obj]> {
    const { namespace, match } = w.spec;
    if (namespace !== undefined && (e.object.metadata.namespace ?? '') !== namespace) return [];
    const now = match(e.object);
    if (e.type !== 'MODIFIED' || !e.previous) return now ? [[e.type, e.object]] : [];
    const before = match(e.previous);
    if (now && before) return [['MODIFIED', e.object]];
    if (now) return [['ADDED', e.object]];
    // It left the selection: the watcher sees it go, at the new resourceVersion.
    if (before) return [['DELETED', e.object]];
    return [];
  }

  private line(w: Watcher, type: string, object: Obj): string {
    const body = w.spec.table ? renderTable(w.spec.resource, [object], this.opts.clock.now(), { resourceVersion: object.metadata.resourceVersion }) : object;
    return JSON.stringify({ type, object: body }) + '\n';
  }

  private write(w: Watcher, text: string): void {
    if (w.res.writableEnded) return;
    if (w.res.writableLength > this.opts.maxBufferedBytes) {
      w.res.end();
      return;
    }
    w.res.write(text);
    this.sent++;
  }

  private bookmark(t: ResourceType, initialEnd = false): Record<string, unknown> {
    const metadata: Record<string, unknown> = { resourceVersion: String(this.store.resourceVersion) };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    return { type: 'BOOKMARK', object: { kind: t.kind, apiVersion: apiVersionOf(t), metadata } };
  }

  private scheduleBookmarks(): void {
    this.bookmarkTimer = this.opts.clock.setTimeout(() => {
      for (const set of this.watchers.values()) {
        for (const w of set) if (w.spec.bookmarks && !w.spec.table) this.write(w, JSON.stringify(this.bookmark(w.spec.resource)) + '\n');
      }
      this.scheduleBookmarks();
    }, this.opts.bookmarkIntervalMs);
  }
}
