import type { WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import type { MeshConfig, MeshPeer } from '@wirekube/planner';
import { meshFromObject, peerFromObject } from './translate';

/** The watched objects translated for the planner, with what had to be left out and why. */
export interface MeshView {
  /** The mesh in force: the current object if valid, else the last good one, else none. */
  mesh?: MeshConfig;
  /** Why the current mesh object was not used, when it was not. */
  meshProblem?: string;
  /** Every valid peer (this node's own included when valid). */
  peers: MeshPeer[];
  /** Peers whose spec could not be translated, by name. */
  invalid: Map<string, { reason: string; message: string }>;
}

/**
 * Translations by object: the informer hands out the same object until it changes, so a reconcile
 * translates only what changed since the last one (re-parsing every key and CIDR of 1000 peers on
 * each reconcile was a measurable share of its CPU, see docs/scale.md), and a stable result lets
 * later stages reuse their work too. `partsOf` lists what the translation reads, by reference: an
 * object edited in place (tests do) is translated again.
 */
function byObject<O extends object, T>(translate: (obj: O) => T, partsOf: (obj: O) => readonly unknown[]): (obj: O) => T {
  const memo = new WeakMap<O, { parts: readonly unknown[]; t: T }>();
  return (obj) => {
    const parts = partsOf(obj);
    const hit = memo.get(obj);
    if (hit && hit.parts.every((p, i) => p === parts[i])) return hit.t;
    const t = translate(obj);
    memo.set(obj, { parts, t });
    return t;
  };
}

const translatePeer = byObject(peerFromObject, (o: WireKubePeer) => [o.metadata, o.metadata?.deletionTimestamp, o.spec, o.status]);
const translateMeshObject = byObject(meshFromObject, (o: WireKubeMesh) => [o.metadata, o.spec]);

/**
 * Translates the watched objects. One invalid WireKubePeer is left out (and named in `invalid`)
 * without affecting any other; an invalid mesh falls back to `lastGood`, so a bad edit never tears
 * down a working mesh. Pure.
 */
export function translateMesh(meshObj: WireKubeMesh | undefined, peerObjs: readonly WireKubePeer[], lastGood: MeshConfig | undefined): MeshView {
  const peers: MeshPeer[] = [];
  const invalid = new Map<string, { reason: string; message: string }>();
  for (const obj of peerObjs) {
    const t = translatePeer(obj);
    if (t.ok) peers.push(t.value);
    else invalid.set(obj.metadata?.name ?? '', { reason: t.reason, message: t.message });
  }
  if (!meshObj) return { ...(lastGood && { mesh: lastGood }), peers, invalid, ...(!lastGood && { meshProblem: 'not found' }) };
  const m = translateMeshObject(meshObj);
  if (m.ok) return { mesh: m.value, peers, invalid };
  return { ...(lastGood && { mesh: lastGood }), meshProblem: m.message, peers, invalid };
}

/**
 * The part of a watched object the agent plans from: spec, deletion and the published NAT
 * behaviour. A status write that changes only counters, paths or conditions has the same
 * signature, so it does not cost every other agent a reconcile (DESIGN §11: no N² work from
 * status churn). Pure.
 */
export function planningSignature(obj: { metadata?: { generation?: number; deletionTimestamp?: unknown }; spec?: unknown; status?: unknown }): string {
  const st = (obj.status ?? {}) as { natType?: unknown; nat?: unknown };
  return JSON.stringify([obj.spec, obj.metadata?.deletionTimestamp ?? null, st.natType ?? null, st.nat ?? null]);
}
