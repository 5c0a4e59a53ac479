/**
 * The patch formats `kubectl` and client-node send: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902) and strategic merge patch as far as kubectl's three-way patches use it for the
 * built-in types served here. All functions are pure: they return a new document.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;
const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A patch that cannot be applied; the message goes into a 422 (or 400) Status. */
export class PatchError extends Error {}

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 operations applied in order; any failing operation fails the whole patch. */
export function applyJsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc = structuredClone(target);
  ops.forEach((op, i) => {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError(`operation ${i} needs "op" and "path"`);
    const path = pointer(op.path);
    switch (op.op) {
      case 'add':
        doc = put(doc, path, structuredClone(op.value), 'add');
        break;
      case 'replace':
        get(doc, path, op.path);
        doc = put(doc, path, structuredClone(op.value), 'replace');
        break;
      case 'remove':
        get(doc, path, op.path);
        doc = remove(doc, path);
        break;
      case 'test':
        if (JSON.stringify(get(doc, path, op.path)) !== JSON.stringify(op.value)) throw new PatchError(`test operation failed at ${op.path}`);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new PatchError(`operation ${i} needs "from"`);
        const from = pointer(op.from);
        const value = structuredClone(get(doc, from, op.from));
        if (op.op === 'move') doc = remove(doc, from);
        doc = put(doc, path, value, 'add');
        break;
      }
      default:
        throw new PatchError(`unknown json patch operation "${op.op}"`);
    }
  });
  return doc;
}

function pointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer "${p}"`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, path: string[], text: string): Json {
  let cur = doc;
  for (const k of path) {
    if (Array.isArray(cur) && /^\d+$/.test(k) && Number(k) < cur.length) cur = cur[Number(k)];
    else if (isObject(cur) && k in cur) cur = cur[k];
    else throw new PatchError(`path ${text} does not exist`);
  }
  return cur;
}

function put(doc: Json, path: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1), '/' + path.slice(0, -1).join('/'));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw new PatchError(`array index ${last} out of range`);
    if (mode === 'add') parent.splice(idx, 0, value);
    else parent[idx] = value;
  } else if (isObject(parent)) parent[last] = value;
  else throw new PatchError(`cannot add below a scalar at /${path.join('/')}`);
  return doc;
}

function remove(doc: Json, path: string[]): Json {
  if (path.length === 0) return undefined;
  const parent = get(doc, path.slice(0, -1), '/' + path.slice(0, -1).join('/'));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}

/**
 * Strategic merge patch, the subset kubectl emits for three-way apply and `kubectl patch`:
 * maps merge like merge patch; a list merges by key when the patch carries
 * `$setElementOrder/<field>` (the key is the one field its entries share), otherwise it is
 * replaced; `$patch: delete|replace`, `$retainKeys` and `$deleteFromPrimitiveList/<field>` are
 * honoured. Lists the patch does not mention are untouched.
 */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? new Set(patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v) && patch[`$setElementOrder/${k}`] !== undefined) {
      out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as Json[]) : [], v, patch[`$setElementOrder/${k}`]);
    } else if (Array.isArray(v)) out[k] = stripDirectives(v);
    else out[k] = applyStrategicMergePatch(out[k], v);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.has(k)) delete out[k];
  return out;
}

function mergeList(current: Json[], patch: Json[], order: Json): Json[] {
  const orderList = Array.isArray(order) ? order : [];
  const key = orderList.length && isObject(orderList[0]) ? Object.keys(orderList[0])[0] : undefined;
  if (!key) {
    // Primitive list with merge strategy: union, then the patch's element order.
    const all = [...current, ...patch].filter((v, i, a) => a.findIndex((x) => JSON.stringify(x) === JSON.stringify(v)) === i);
    return sortByOrder(all, orderList, (v) => JSON.stringify(v));
  }
  const idOf = (v: Json) => (isObject(v) ? JSON.stringify(v[key]) : JSON.stringify(v));
  const result = new Map(current.map((v) => [idOf(v), v] as const));
  for (const p of patch) {
    const id = idOf(p);
    if (isObject(p) && p.$patch === 'delete') result.delete(id);
    else result.set(id, applyStrategicMergePatch(result.get(id), p));
  }
  return sortByOrder([...result.values()], orderList, idOf);
}

function sortByOrder(items: Json[], order: Json[], id: (v: Json) => string): Json[] {
  const rank = new Map(order.map((o, i) => [id(o), i] as const));
  return [...items].sort((a, b) => (rank.get(id(a)) ?? Infinity) - (rank.get(id(b)) ?? Infinity));
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, stripDirectives(x)]));
}
