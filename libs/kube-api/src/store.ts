/**
 * The stand-in's storage: objects per resource type, one global resourceVersion counter (as etcd's
 * revision), and a bounded history of change events so watches can resume from a resourceVersion
 * and get `410 Gone` when it has been compacted away.
 */
import { apiVersionOf, typeKey, type ResourceType } from './resource-types';

/** A stored object (plain JSON). Stored objects are never mutated: writers replace them. */
export type Obj = Record<string, unknown> & { metadata: Meta };

/** The metadata fields the stand-in manages. */
export interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{ uid: string; kind: string; name: string; apiVersion: string }>;
  [k: string]: unknown;
}

/** A change, as watch streams carry it. `json` is the serialised event, computed once for fan-out. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rv: number;
  key: string;
  resource: ResourceType;
  object: Obj;
  /** The object before a MODIFIED change (selector transitions need it). */
  previous?: Obj;
}

/** Listener for committed changes. Called synchronously, in resourceVersion order. */
export type StoreListener = (e: StoreEvent) => void;

const objectKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

/** In-memory object storage with resourceVersions and a compacting event history. */
export class ObjectStore {
  private revision = 0;
  private readonly byType = new Map<string, Map<string, Obj>>();
  private readonly types = new Map<string, ResourceType>();
  private history: StoreEvent[] = [];
  private compactedRv = 0;
  private readonly listeners = new Set<StoreListener>();

  /** @param historyLimit events retained for watch resumption (older ones answer 410). */
  constructor(private readonly historyLimit: number) {}

  /** Current resourceVersion (the revision of the last write). */
  get resourceVersion(): number {
    return this.revision;
  }

  /** Makes a resource type servable (idempotent; keeps stored objects of an existing type). */
  addType(t: ResourceType): void {
    const k = typeKey(t);
    this.types.set(k, t);
    if (!this.byType.has(k)) this.byType.set(k, new Map());
  }

  /** Stops serving a type; its objects are deleted (with DELETED events) first. */
  removeType(t: ResourceType): void {
    for (const o of this.list(t)) this.remove(t, o.metadata.namespace, o.metadata.name);
    this.types.delete(typeKey(t));
    this.byType.delete(typeKey(t));
  }

  /** Every served type. */
  allTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Looks a type up by group, version and plural. */
  findType(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(typeKey({ group, version, plural }));
  }

  get(t: ResourceType, ns: string | undefined, name: string): Obj | undefined {
    return this.byType.get(typeKey(t))?.get(objectKey(ns, name));
  }

  /** Objects of a type (optionally one namespace), sorted by namespace then name. */
  list(t: ResourceType, ns?: string): Obj[] {
    const all = [...(this.byType.get(typeKey(t))?.values() ?? [])];
    const filtered = ns === undefined ? all : all.filter((o) => (o.metadata.namespace ?? '') === ns);
    // Plain code-unit order: list continuation tokens compare keys the same way.
    const k = (o: Obj) => objectKey(o.metadata.namespace, o.metadata.name);
    return filtered.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
  }

  /** Every object of every type, for garbage collection and persistence. */
  *entries(): Iterable<[ResourceType, Obj]> {
    for (const [k, objs] of this.byType) {
      const t = this.types.get(k);
      if (t) for (const o of objs.values()) yield [t, o];
    }
  }

  /** Stores a new object: assigns the next resourceVersion and emits ADDED. */
  create(t: ResourceType, obj: Obj): Obj {
    return this.commit('ADDED', t, obj);
  }

  /** Replaces an existing object: assigns the next resourceVersion and emits MODIFIED. */
  update(t: ResourceType, obj: Obj): Obj {
    return this.commit('MODIFIED', t, obj);
  }

  /** Removes an object; the DELETED event carries it with a fresh resourceVersion. */
  remove(t: ResourceType, ns: string | undefined, name: string): Obj | undefined {
    const cur = this.get(t, ns, name);
    if (!cur) return undefined;
    this.byType.get(typeKey(t))?.delete(objectKey(ns, name));
    return this.commit('DELETED', t, cur);
  }

  /** Loads an object as-is (persistence restore): no event, resourceVersion kept. */
  restore(t: ResourceType, obj: Obj, revision: number): void {
    this.byType.get(typeKey(t))?.set(objectKey(obj.metadata.namespace, obj.metadata.name), obj);
    this.revision = Math.max(this.revision, revision);
    this.compactedRv = this.revision;
  }

  /**
   * Events of type `t` after `rv`, or `undefined` when history no longer reaches back that far
   * (the caller answers 410 Gone).
   */
  eventsSince(t: ResourceType, rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const k = typeKey(t);
    return this.history.filter((e) => e.rv > rv && e.key === k);
  }

  /** Oldest resourceVersion a watch can still resume from. */
  get oldestResumableRv(): number {
    return this.compactedRv;
  }

  /** Drops all retained history, as an etcd compaction would (tests use it to provoke 410). */
  compact(): void {
    this.history = [];
    this.compactedRv = this.revision;
  }

  subscribe(l: StoreListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private commit(type: StoreEvent['type'], t: ResourceType, obj: Obj): Obj {
    this.revision++;
    const stored: Obj = {
      ...obj,
      apiVersion: apiVersionOf(t),
      kind: t.kind,
      metadata: { ...obj.metadata, resourceVersion: String(this.revision) },
    };
    const previous = type === 'MODIFIED' ? this.get(t, stored.metadata.namespace, stored.metadata.name) : undefined;
    if (type !== 'DELETED') this.byType.get(typeKey(t))?.set(objectKey(stored.metadata.namespace, stored.metadata.name), stored);
    const e: StoreEvent = { type, rv: this.revision, key: typeKey(t), resource: t, object: stored, previous };
    this.history.push(e);
    // Trim in batches so a write does not copy the whole history every time.
    if (this.history.length > this.historyLimit + Math.ceil(this.historyLimit / 4)) {
      const drop = this.history.length - this.historyLimit;
      this.compactedRv = this.history[drop - 1].rv;
      this.history = this.history.slice(drop);
    }
    for (const l of this.listeners) l(e);
    return stored;
  }
}
