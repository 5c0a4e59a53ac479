/**
 * Optional persistence of the stand-in's objects to one JSON file, so a demo can restart the API
 * without losing the mesh. Writes are debounced and atomic (temp file + rename); history is not
 * persisted, so watches from before a restart get 410 and relist, as after an etcd compaction.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Clock, Logger, TimerHandle } from '@wirekube/util';
import { errorMessage } from '@wirekube/util';
import { CRD_KEY } from './crd-lifecycle';
import { typeKey, typesFromCrd } from './resource-types';
import type { Obj, ObjectStore } from './store';

interface Snapshot {
  resourceVersion: number;
  objects: Array<{ type: string; object: Obj }>;
}

/** Loads `path` into `store` (CRDs first, so their types exist). Returns false when there is no file. */
export function loadSnapshot(store: ObjectStore, path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const snap = JSON.parse(text) as Snapshot;
  const crds = snap.objects.filter((o) => o.type === CRD_KEY);
  for (const c of crds) {
    const parsed = typesFromCrd(c.object);
    if ('types' in parsed) parsed.types.forEach((t) => store.addType(t));
  }
  const byKey = new Map(store.allTypes().map((t) => [typeKey(t), t]));
  for (const { type, object } of snap.objects) {
    const t = byKey.get(type);
    if (t) store.restore(t, object, snap.resourceVersion);
  }
  return true;
}

/** Saves the store to `path` at most once per `debounceMs` after changes. */
export class SnapshotWriter {
  private timer?: TimerHandle;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly path: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly debounceMs = 100,
  ) {
    this.unsubscribe = store.subscribe(() => this.schedule());
  }

  /** Writes now (also called on shutdown). */
  flush(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const snap: Snapshot = { resourceVersion: this.store.resourceVersion, objects: [...this.store.entries()].map(([t, object]) => ({ type: typeKey(t), object })) };
    try {
      writeFileSync(`${this.path}.tmp`, JSON.stringify(snap));
      renameSync(`${this.path}.tmp`, this.path);
    } catch (err) {
      this.logger.error('persisting the API state failed', { path: this.path, error: errorMessage(err) });
    }
  }

  /** Stops watching the store and writes the final state. */
  close(): void {
    this.unsubscribe();
    this.flush();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = this.clock.setTimeout(() => this.flush(), this.debounceMs);
  }
}
