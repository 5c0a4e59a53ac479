/**
 * Typed access to one resource type, the narrow port the informers, status writers and leader
 * election use. Objects are plain wire-shaped JSON (dates as RFC 3339 strings) whichever
 * client-node API serves them, so list results and watch events look the same.
 */
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';
import type { WireKubeGateway } from '../crd/gateway';
import type { WireKubeMesh } from '../crd/mesh';
import type { WireKubePeer } from '../crd/peer';
import { WIREKUBE_GROUP, WIREKUBE_VERSION } from '../crd/common';
import { toKubeError } from './kube-error';

/** Anything with Kubernetes metadata. */
export interface KubeObject {
  metadata?: V1ObjectMeta | WireMeta;
}

/** Metadata as it arrives on the wire (timestamps are strings). */
export interface WireMeta extends Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp'> {
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

/** A list result: items plus the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** Selectors for list and watch. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** One resource type (cluster-scoped, or one namespace of a namespaced type). */
export interface ResourceApi<T extends KubeObject> {
  /** Collection path for watches, e.g. `/apis/wirekube.io/v1alpha1/wirekubepeers`. */
  readonly path: string;
  list(opts?: ListOptions): Promise<ListResult<T>>;
  /** The object, or undefined when it does not exist. */
  get(name: string): Promise<T | undefined>;
  create(obj: T): Promise<T>;
  /** PUT; fails with 409 when `metadata.resourceVersion` is stale. */
  replace(obj: T): Promise<T>;
  /** JSON merge patch of the main resource. */
  mergePatch(name: string, patch: unknown): Promise<T>;
  /** JSON merge patch of the `/status` subresource. */
  mergePatchStatus(name: string, patch: unknown): Promise<T>;
  delete(name: string): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const wire = <T>(v: unknown): T => JSON.parse(JSON.stringify(v)) as T;

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKubeError(err, what);
  }
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}

/** A cluster-scoped custom resource type over CustomObjectsApi. */
export function clusterCustomResourceApi<T extends KubeObject>(kc: KubeConfig, r: { group: string; version: string; plural: string }): ResourceApi<T> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const at = (verb: string, name?: string) => `${verb} ${r.plural}.${r.group}${name ? `/${name}` : ''}`;
  return {
    path: `/apis/${r.group}/${r.version}/${r.plural}`,
    list: (o = {}) =>
      call(at('list'), async () => {
        const l = (await api.listClusterCustomObject({ ...r, ...o })) as { items: T[]; metadata?: { resourceVersion?: string } };
        return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
      }),
    get: (name) => orUndefined(call(at('get', name), () => api.getClusterCustomObject({ ...r, name }) as Promise<T>)),
    create: (obj) => call(at('create', obj.metadata?.name), () => api.createClusterCustomObject({ ...r, body: obj }) as Promise<T>),
    replace: (obj) => call(at('replace', obj.metadata?.name), () => api.replaceClusterCustomObject({ ...r, name: obj.metadata?.name ?? '', body: obj }) as Promise<T>),
    mergePatch: (name, patch) => call(at('patch', name), () => api.patchClusterCustomObject({ ...r, name, body: patch }, merge) as Promise<T>),
    mergePatchStatus: (name, patch) => call(at('patch status of', name), () => api.patchClusterCustomObjectStatus({ ...r, name, body: patch }, merge) as Promise<T>),
    delete: (name) => call(at('delete', name), async () => void (await api.deleteClusterCustomObject({ ...r, name }))),
  };
}

/** The WireKube resource clients. */
export function wireKubeApis(kc: KubeConfig): { meshes: ResourceApi<WireKubeMesh>; peers: ResourceApi<WireKubePeer>; gateways: ResourceApi<WireKubeGateway> } {
  const r = (plural: string) => ({ group: WIREKUBE_GROUP, version: WIREKUBE_VERSION, plural });
  return {
    meshes: clusterCustomResourceApi<WireKubeMesh>(kc, r('wirekubemeshes')),
    peers: clusterCustomResourceApi<WireKubePeer>(kc, r('wirekubepeers')),
    gateways: clusterCustomResourceApi<WireKubeGateway>(kc, r('wirekubegateways')),
  };
}

/** The parts of a Node WireKube reads, in wire shape. */
export interface KubeNode extends KubeObject {
  metadata: WireMeta;
  spec?: { podCIDR?: string; podCIDRs?: string[]; providerID?: string };
  status?: { addresses?: Array<{ type: string; address: string }>; conditions?: Array<{ type: string; status: string }> };
}

/** Nodes over CoreV1Api (read, watch, label/annotation patches). */
export function nodeApi(kc: KubeConfig): ResourceApi<KubeNode> {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    path: '/api/v1/nodes',
    list: (o = {}) =>
      call('list nodes', async () => {
        const l = await api.listNode(o);
        return { items: wire<KubeNode[]>(l.items), resourceVersion: l.metadata?.resourceVersion ?? '' };
      }),
    get: (name) => orUndefined(call(`get node ${name}`, async () => wire<KubeNode>(await api.readNode({ name })))),
    create: (obj) => call(`create node ${obj.metadata?.name}`, async () => wire<KubeNode>(await api.createNode({ body: obj as never }))),
    replace: (obj) => call(`replace node ${obj.metadata?.name}`, async () => wire<KubeNode>(await api.replaceNode({ name: obj.metadata?.name ?? '', body: obj as never }))),
    mergePatch: (name, patch) => call(`patch node ${name}`, async () => wire<KubeNode>(await api.patchNode({ name, body: patch }, merge))),
    mergePatchStatus: (name, patch) => call(`patch node status ${name}`, async () => wire<KubeNode>(await api.patchNodeStatus({ name, body: patch }, merge))),
    delete: (name) => call(`delete node ${name}`, async () => void (await api.deleteNode({ name }))),
  };
}

/** A coordination.k8s.io Lease, wire-shaped (times are RFC 3339 with microseconds). */
export interface KubeLease extends KubeObject {
  metadata: WireMeta;
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** Leases in one namespace over CoordinationV1Api. */
export function leaseApi(kc: KubeConfig, namespace: string): ResourceApi<KubeLease> {
  const api = kc.makeApiClient(CoordinationV1Api);
  // client-node passes MicroTime fields through untouched (V1MicroTime is not in its type map),
  // so the RFC 3339 strings with microseconds the API server requires go out as written.
  const typed = (l: KubeLease) => l as never;
  return {
    path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
    list: (o = {}) =>
      call('list leases', async () => {
        const l = await api.listNamespacedLease({ namespace, ...o });
        return { items: wire<KubeLease[]>(l.items), resourceVersion: l.metadata?.resourceVersion ?? '' };
      }),
    get: (name) => orUndefined(call(`get lease ${name}`, async () => wire<KubeLease>(await api.readNamespacedLease({ namespace, name })))),
    create: (obj) => call(`create lease ${obj.metadata?.name}`, async () => wire<KubeLease>(await api.createNamespacedLease({ namespace, body: typed(obj) }))),
    replace: (obj) => call(`replace lease ${obj.metadata?.name}`, async () => wire<KubeLease>(await api.replaceNamespacedLease({ namespace, name: obj.metadata?.name ?? '', body: typed(obj) }))),
    mergePatch: (name, patch) => call(`patch lease ${name}`, async () => wire<KubeLease>(await api.patchNamespacedLease({ namespace, name, body: patch }, merge))),
    mergePatchStatus: () => Promise.reject(new Error('leases have no status subresource')),
    delete: (name) => call(`delete lease ${name}`, async () => void (await api.deleteNamespacedLease({ namespace, name }))),
  };
}
