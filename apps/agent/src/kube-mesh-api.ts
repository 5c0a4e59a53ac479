import type { KubeConfig} from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, makeInformer, PatchStrategy, type Informer, setHeaderOptions, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import { WIREKUBE_GROUP, WIREKUBE_VERSION, type PeerStatus, type WireKubeMesh, type WireKubePeer } from '@wirekube/k8s';
import { errorMessage, type Clock, type Logger } from '@wirekube/util';
import { planningSignature } from './mesh-view';

/** This node as the agent needs it from its Node object. */
export interface NodeFacts {
  uid: string;
  internalIp?: string;
}

/** The desired spec of this node's WireKubePeer. */
export interface OwnPeerSpec {
  publicKey: string;
  endpoint?: string;
  allowedIPs: string[];
}

/** Annotation listing the AllowedIPs the agent manages (the rest were added by users). */
export const MANAGED_ALLOWED_IPS_ANNOTATION = 'wirekube.io/managed-allowed-ips';

/** This node's WireKubePeer as the agent wants it: the spec and which AllowedIPs it manages. */
export interface OwnPeer {
  spec: OwnPeerSpec;
  managedAllowedIPs: string[];
}

/**
 * The agent's view of the API server: caches of the mesh and the peers kept current by watches
 * (never polling), and the few writes an agent makes. Implemented over client-node by
 * {@link KubeMeshApi}; tests use an in-memory fake.
 */
export interface MeshApi {
  /** Called after any change of a watched object (coalesce before doing work). */
  onChange(fn: () => void): void;
  /** True once the first list of both the meshes and the peers has arrived. */
  synced(): boolean;
  mesh(name: string): WireKubeMesh | undefined;
  peers(): WireKubePeer[];
  node(name: string): Promise<NodeFacts>;
  /** Creates this node's WireKubePeer (owned by its Node) or brings its spec and annotation to `own`. */
  upsertOwnPeer(name: string, node: NodeFacts, own: OwnPeer): Promise<void>;
  /** Merge-patches the status subresource of this node's WireKubePeer. */
  writeStatus(name: string, status: PeerStatus): Promise<void>;
  close(): Promise<void>;
}

const PEERS = 'wirekubepeers';
const MESHES = 'wirekubemeshes';
const base = `/apis/${WIREKUBE_GROUP}/${WIREKUBE_VERSION}`;

/**
 * {@link MeshApi} over @kubernetes/client-node informers (list + watch with resume). A watch that
 * fails is restarted after `restartMs` while the cache keeps serving the last known objects, so an
 * API outage leaves the data plane on its last configuration and the agent catches up on return.
 */
export class KubeMeshApi implements MeshApi {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly peerInformer;
  private readonly meshInformer;
  private readonly fns = new Set<() => void>();
  private closed = false;
  private readonly listed = new Set<string>();

  constructor(kc: KubeConfig, private readonly o: { clock: Clock; logger: Logger; restartMs: number }) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    const list = (plural: string) => () => this.custom.listClusterCustomObject({ group: WIREKUBE_GROUP, version: WIREKUBE_VERSION, plural });
    this.peerInformer = makeInformer<WireKubePeer & KubernetesObject>(kc, `${base}/${PEERS}`, list(PEERS));
    this.meshInformer = makeInformer<WireKubeMesh & KubernetesObject>(kc, `${base}/${MESHES}`, list(MESHES));
    this.hook(this.peerInformer, PEERS);
    this.hook(this.meshInformer, MESHES);
  }

  private hook<T extends KubernetesObject>(inf: Informer<T>, what: string): void {
    const seen = new Map<string, string>();
    const changed = (obj: T, gone = false) => {
      const name = obj.metadata?.name ?? '';
      const sig = planningSignature(obj as Parameters<typeof planningSignature>[0]);
      if (!gone && seen.get(name) === sig) return;
      if (gone) seen.delete(name);
      else seen.set(name, sig);
      this.changed();
    };
    inf.on('add', (o) => changed(o));
    inf.on('update', (o) => changed(o));
    inf.on('delete', (o) => changed(o, true));
    inf.on('connect', () => this.changed());
    inf.on('error', (err: unknown) => {
      if (this.closed) return;
      this.o.logger.warn('watch failed; serving the last known objects and retrying', { resource: what, err: errorMessage(err), retryMs: this.o.restartMs });
      this.o.clock.setTimeout(() => void this.startInformer(inf, what), this.o.restartMs);
    });
  }

  /** Starts both watches; resolves once (or if) the first lists succeed, never rejects. */
  async start(): Promise<void> {
    await Promise.all([this.startInformer(this.peerInformer, PEERS), this.startInformer(this.meshInformer, MESHES)]);
  }

  onChange(fn: () => void): void {
    this.fns.add(fn);
  }

  synced(): boolean {
    return this.listed.size === 2;
  }

  mesh(name: string): WireKubeMesh | undefined {
    return this.meshInformer.get(name);
  }

  peers(): WireKubePeer[] {
    return [...this.peerInformer.list()];
  }

  async node(name: string): Promise<NodeFacts> {
    const n: V1Node = await this.core.readNode({ name });
    const internalIp = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return { uid: n.metadata?.uid ?? '', ...(internalIp && { internalIp }) };
  }

  async upsertOwnPeer(name: string, node: NodeFacts, own: OwnPeer): Promise<void> {
    const { spec } = own;
    const annotations = { [MANAGED_ALLOWED_IPS_ANNOTATION]: own.managedAllowedIPs.join(',') };
    const existing = this.peerInformer.get(name) ?? (await this.readPeer(name));
    if (!existing) {
      const body: WireKubePeer = {
        apiVersion: `${WIREKUBE_GROUP}/${WIREKUBE_VERSION}`,
        kind: 'WireKubePeer',
        metadata: { name, annotations, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.uid }] },
        spec,
      };
      await this.custom.createClusterCustomObject({ group: WIREKUBE_GROUP, version: WIREKUBE_VERSION, plural: PEERS, body });
      return;
    }
    // Merge patch: `endpoint: null` removes an endpoint the node no longer has.
    const body = { metadata: { annotations }, spec: { ...spec, endpoint: spec.endpoint ?? null } };
    await this.custom.patchClusterCustomObject(
      { group: WIREKUBE_GROUP, version: WIREKUBE_VERSION, plural: PEERS, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async writeStatus(name: string, status: PeerStatus): Promise<void> {
    await this.custom.patchClusterCustomObjectStatus(
      { group: WIREKUBE_GROUP, version: WIREKUBE_VERSION, plural: PEERS, name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.peerInformer.stop(), this.meshInformer.stop()]);
  }

  private async readPeer(name: string): Promise<WireKubePeer | undefined> {
    try {
      return (await this.custom.getClusterCustomObject({ group: WIREKUBE_GROUP, version: WIREKUBE_VERSION, plural: PEERS, name })) as WireKubePeer;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  private async startInformer(inf: { start(): Promise<void> }, what: string): Promise<void> {
    if (this.closed) return;
    try {
      await inf.start();
      this.listed.add(what);
      this.changed();
    } catch (err) {
      // The informer's own 'error' handler schedules the restart; this is the first-list failure.
      this.o.logger.warn('initial list failed; retrying', { resource: what, err: errorMessage(err) });
      this.o.clock.setTimeout(() => void this.startInformer(inf, what), this.o.restartMs);
    }
  }

  private changed(): void {
    for (const fn of this.fns) fn();
  }
}
