/**
 * The write path of the stand-in, independent of HTTP: create, update, patch and delete with the
 * API server's rules — resourceVersion preconditions (409), the status subresource split,
 * generation, schema admission for custom resources (422), finalizers, and owner-reference
 * garbage collection. CRD objects install and remove their resource types here.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '@wirekube/util';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound, unsupportedMediaType } from './api-error';
import { isJsonObject, jsonEqual } from './json-util';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patch';
import { CRD_KEY, installCrd, prepareCrd, uninstallCrd } from './crd-lifecycle';
import { typeKey, type ResourceType } from './resource-types';
import { admitObject } from './schema-admission';
import type { Meta, Obj, ObjectStore } from './store';

/** How unknown fields in custom resources are treated (the `fieldValidation` query parameter). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options common to writes. */
export interface WriteOptions {
  subresource?: 'status';
  fieldValidation?: FieldValidation;
  dryRun?: boolean;
}

/** A write's result plus warnings for the `Warning` response header. */
export interface WriteResult {
  object: Obj;
  warnings: string[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const ref = (t: ResourceType, name: string) => ({ group: t.group, kind: t.kind, plural: t.plural, name });

/** Implements the API's write semantics over an {@link ObjectStore}. */
export class ObjectService {
  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {}

  /** POST: validates and stores a new object (status is dropped when it is a subresource). */
  create(t: ResourceType, ns: string | undefined, body: unknown, opts: WriteOptions = {}): WriteResult {
    if (!isJsonObject(body)) throw badRequest('request body must be a JSON object');
    const meta = (isJsonObject(body.metadata) ? { ...body.metadata } : {}) as Partial<Meta>;
    if (!meta.name && typeof meta.generateName === 'string') meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    const name = meta.name ?? '';
    if (t.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ns ?? meta.namespace ?? 'default';
      if (!this.namespaceExists(meta.namespace)) throw notFound({ group: '', kind: 'Namespace', plural: 'namespaces', name: meta.namespace });
    } else delete meta.namespace;
    if (!NAME.test(name) || name.length > 253) {
      throw invalid(ref(t, name), [{ reason: name ? 'FieldValueInvalid' : 'FieldValueRequired', field: 'metadata.name', message: name ? `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` : 'Required value: name or generateName is required' }]);
    }
    if (this.store.get(t, meta.namespace, name)) throw alreadyExists(ref(t, name));
    const obj: Obj = {
      ...body,
      metadata: { ...meta, name, uid: randomUUID(), creationTimestamp: this.now(), resourceVersion: '', generation: 1 } as Meta,
    };
    delete obj.metadata.deletionTimestamp;
    if (t.statusSubresource && t.custom) delete obj.status;
    const warnings = this.admit(t, obj, opts.fieldValidation);
    if (typeKey(t) === CRD_KEY) prepareCrd(this.store, obj, this.now());
    if (opts.dryRun) return { object: obj, warnings };
    const stored = this.store.create(t, obj);
    if (typeKey(t) === CRD_KEY) installCrd(this.store, stored);
    return { object: this.store.get(t, stored.metadata.namespace, stored.metadata.name) ?? stored, warnings };
  }

  /** PUT: replaces an object; a stale `metadata.resourceVersion` is a 409 Conflict. */
  update(t: ResourceType, ns: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): WriteResult {
    const cur = this.mustGet(t, ns, name);
    if (!isJsonObject(body) || !isJsonObject(body.metadata)) throw badRequest('request body must be an object with metadata');
    if (body.metadata.name !== undefined && body.metadata.name !== name) throw badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`);
    const rv = body.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== cur.metadata.resourceVersion) throw conflict(ref(t, name));
    return this.write(t, cur, body as Obj, opts);
  }

  /** PATCH in any of the supported content types. */
  patch(t: ResourceType, ns: string | undefined, name: string, contentType: string, body: unknown, opts: WriteOptions & { force?: boolean } = {}): WriteResult {
    const cur = this.store.get(t, ns, name);
    const type = contentType.split(';')[0].trim();
    if (!cur) {
      // Server-side apply creates what does not exist yet.
      if (type === 'application/apply-patch+yaml' && isJsonObject(body)) return this.create(t, ns, { ...body, metadata: { ...(body.metadata as object), name } }, opts);
      throw notFound(ref(t, name));
    }
    let next: unknown;
    try {
      switch (type) {
        case 'application/merge-patch+json':
          next = applyMergePatch(cur, body);
          break;
        case 'application/json-patch+json':
          next = applyJsonPatch(cur, body);
          break;
        case 'application/strategic-merge-patch+json':
          // Custom resources have no patch strategies: the real server refuses this too.
          if (t.custom) throw unsupportedMediaType(type);
          next = applyStrategicMergePatch(cur, body);
          break;
        case 'application/apply-patch+yaml':
          // Apply without managed-fields tracking: the applied configuration is merged in.
          next = applyMergePatch(cur, withoutManagedFields(body));
          break;
        default:
          throw unsupportedMediaType(type);
      }
    } catch (err) {
      if (err instanceof PatchError) throw new ApiError(422, 'Invalid', `the patch could not be applied: ${err.message}`);
      throw err;
    }
    if (!isJsonObject(next) || !isJsonObject(next.metadata)) throw new ApiError(422, 'Invalid', 'the patch removed the object metadata');
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== cur.metadata.resourceVersion) throw conflict(ref(t, name));
    return this.write(t, cur, next as Obj, opts);
  }

  /**
   * DELETE: with finalizers present the object only gets a deletionTimestamp; otherwise it is
   * removed and its dependents are garbage-collected (unless `propagationPolicy=Orphan`).
   */
  delete(t: ResourceType, ns: string | undefined, name: string, opts: { propagationPolicy?: string; preconditionRv?: string; dryRun?: boolean } = {}): Obj {
    const cur = this.mustGet(t, ns, name);
    if (opts.preconditionRv && opts.preconditionRv !== cur.metadata.resourceVersion) throw conflict(ref(t, name));
    if (opts.dryRun) return cur;
    if (cur.metadata.finalizers?.length) {
      if (cur.metadata.deletionTimestamp) return cur;
      return this.store.update(t, { ...cur, metadata: { ...cur.metadata, deletionTimestamp: this.now(), deletionGracePeriodSeconds: 0 } });
    }
    return this.removeNow(t, cur, opts.propagationPolicy === 'Orphan');
  }

  private write(t: ResourceType, cur: Obj, proposed: Obj, opts: WriteOptions): WriteResult {
    let next: Obj;
    if (opts.subresource === 'status') {
      next = { ...cur, status: proposed.status };
      if (proposed.status === undefined) delete next.status;
    } else {
      next = { ...proposed, metadata: { ...proposed.metadata } };
      if (t.statusSubresource) {
        next.status = cur.status;
        if (cur.status === undefined) delete next.status;
      }
      const m = next.metadata;
      Object.assign(m, { name: cur.metadata.name, uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp, generation: cur.metadata.generation });
      if (cur.metadata.namespace !== undefined) m.namespace = cur.metadata.namespace;
      // deletionTimestamp can only be set by DELETE, and never cleared.
      if (cur.metadata.deletionTimestamp) m.deletionTimestamp = cur.metadata.deletionTimestamp;
      else delete m.deletionTimestamp;
      if (!jsonEqual(specOf(cur), specOf(next))) m.generation = (cur.metadata.generation ?? 1) + 1;
    }
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    const warnings = this.admit(t, next, opts.fieldValidation);
    if (typeKey(t) === CRD_KEY) prepareCrd(this.store, next, this.now());
    if (jsonEqual(cur, next) || opts.dryRun) return { object: opts.dryRun ? next : cur, warnings };
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) return { object: this.removeNow(t, next, false), warnings };
    const stored = this.store.update(t, next);
    if (typeKey(t) === CRD_KEY) installCrd(this.store, stored);
    return { object: this.store.get(t, stored.metadata.namespace, stored.metadata.name) ?? stored, warnings };
  }

  private admit(t: ResourceType, obj: Obj, mode: FieldValidation = 'Warn'): string[] {
    if (!t.custom || !t.schema) return [];
    const result = admitObject(t.schema, obj);
    if (result.unknownFields.length && mode === 'Strict') {
      throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${result.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    if (result.causes.length) throw invalid(ref(t, obj.metadata.name), result.causes);
    return mode === 'Warn' ? result.unknownFields.map((f) => `unknown field "${f}"`) : [];
  }

  private removeNow(t: ResourceType, obj: Obj, orphan: boolean): Obj {
    const removed = this.store.remove(t, obj.metadata.namespace, obj.metadata.name) ?? obj;
    if (typeKey(t) === CRD_KEY) uninstallCrd(this.store, removed);
    if (t.kind === 'Namespace' && t.group === '') this.deleteNamespaceContents(removed.metadata.name);
    this.collectDependents(removed.metadata.uid, orphan);
    return removed;
  }

  /** Owner-reference GC (background propagation): dependents without a live owner are deleted. */
  private collectDependents(uid: string, orphan: boolean): void {
    const live = new Set<string>();
    const dependents: Array<[ResourceType, Obj]> = [];
    for (const [t, o] of this.store.entries()) {
      live.add(o.metadata.uid);
      if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) dependents.push([t, o]);
    }
    for (const [t, o] of dependents) {
      const remaining = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (orphan || remaining.some((r) => live.has(r.uid))) {
        this.store.update(t, { ...o, metadata: { ...o.metadata, ownerReferences: remaining.length ? remaining : undefined } });
      } else if (this.store.get(t, o.metadata.namespace, o.metadata.name)) {
        this.delete(t, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  private deleteNamespaceContents(ns: string): void {
    for (const [t, o] of [...this.store.entries()]) {
      if (t.namespaced && o.metadata.namespace === ns && this.store.get(t, ns, o.metadata.name)) this.removeNow(t, o, false);
    }
  }

  private namespaceExists(ns: string): boolean {
    const t = this.store.findType('', 'v1', 'namespaces');
    return !!t && !!this.store.get(t, undefined, ns);
  }

  private mustGet(t: ResourceType, ns: string | undefined, name: string): Obj {
    const cur = this.store.get(t, ns, name);
    if (!cur) throw notFound(ref(t, name));
    return cur;
  }

  private now(): string {
    return new Date(Math.floor(this.clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
}

function specOf(o: Obj): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function withoutManagedFields(body: unknown): unknown {
  if (!isJsonObject(body)) return body;
  const { metadata, ...rest } = body;
  const m = isJsonObject(metadata) ? { ...metadata } : {};
  delete m.managedFields;
  return { ...rest, metadata: m };
}
