import type { KubeConfig } from '@kubernetes/client-node';
import { Informer, nodeApi, wireKubeApis, WIREKUBE_API_VERSION, type KubeNode, type ResourceApi, type WireKubeMesh, type WireKubePeer } from '@wirekube/k8s';
import { errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';
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
  /** JSON-merge-patches the status subresource of this node's WireKubePeer with `patch` (changed fields only). */
  writeStatus(name: string, patch: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * {@link MeshApi} over `@wirekube/k8s` informers (list + watch resuming from the last
 * resourceVersion, relist on 410, retry with backoff instead of giving up). While the API server is
 * unreachable the caches keep serving the last known objects, so the data plane stays on its last
 * configuration and the agent catches up when the server returns.
 */
export class KubeMeshApi implements MeshApi {
  private readonly peerApi: ResourceApi<WireKubePeer>;
  private readonly nodes: ResourceApi<KubeNode>;
  private readonly peerInformer: Informer<WireKubePeer>;
  private readonly meshInformer: Informer<WireKubeMesh>;
  private readonly fns = new Set<() => void>();

  constructor(kc: KubeConfig, private readonly o: { clock: Clock; rng: Rng; logger: Logger }) {
    const apis = wireKubeApis(kc);
    this.peerApi = apis.peers;
    this.nodes = nodeApi(kc);
    const common = { kubeConfig: kc, clock: o.clock, rng: o.rng, logger: o.logger };
    this.peerInformer = this.hook(new Informer({ ...common, api: apis.peers }));
    this.meshInformer = this.hook(new Informer({ ...common, api: apis.meshes }));
  }

  /**
   * Change callbacks only for what planning reads (see `planningSignature`): status churn of
   * other nodes costs no reconcile.
   */
  private hook<T extends WireKubePeer | WireKubeMesh>(inf: Informer<T>): Informer<T> {
    const changedFor = (old: T | undefined, obj: T) => {
      if (!old || planningSignature(old) !== planningSignature(obj)) this.changed();
    };
    return inf.on({ onAdd: (obj) => changedFor(undefined, obj), onUpdate: changedFor, onDelete: () => this.changed() });
  }

  /** Starts both watches; resolves once the first lists arrived (the informers retry until then), never rejects. */
  async start(): Promise<void> {
    const first = (inf: Informer<WireKubePeer> | Informer<WireKubeMesh>, what: string) =>
      inf.start().then(
        // Synced with nothing in it still means "the mesh is absent": reconcile to say so.
        () => this.changed(),
        (err: unknown) => this.o.logger.warn('starting a watch failed', { resource: what, err: errorMessage(err) }),
      );
    await Promise.all([first(this.peerInformer, 'wirekubepeers'), first(this.meshInformer, 'wirekubemeshes')]);
  }

  onChange(fn: () => void): void {
    this.fns.add(fn);
  }

  synced(): boolean {
    return this.peerInformer.hasSynced && this.meshInformer.hasSynced;
  }

  mesh(name: string): WireKubeMesh | undefined {
    return this.meshInformer.get(name);
  }

  peers(): WireKubePeer[] {
    return this.peerInformer.list();
  }

  async node(name: string): Promise<NodeFacts> {
    const n = await this.nodes.get(name);
    if (!n) throw new Error(`Node ${name} does not exist`);
    const internalIp = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return { uid: n.metadata?.uid ?? '', ...(internalIp && { internalIp }) };
  }

  async upsertOwnPeer(name: string, node: NodeFacts, own: OwnPeer): Promise<void> {
    const { spec } = own;
    const annotations = { [MANAGED_ALLOWED_IPS_ANNOTATION]: own.managedAllowedIPs.join(',') };
    const existing = this.peerInformer.get(name) ?? (await this.peerApi.get(name));
    if (!existing) {
      await this.peerApi.create({
        apiVersion: WIREKUBE_API_VERSION,
        kind: 'WireKubePeer',
        metadata: { name, annotations, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.uid }] },
        spec,
      } as WireKubePeer);
      return;
    }
    // Merge patch: `endpoint: null` removes an endpoint the node no longer has.
    await this.peerApi.mergePatch(name, { metadata: { annotations }, spec: { ...spec, endpoint: spec.endpoint ?? null } });
  }

  async writeStatus(name: string, patch: unknown): Promise<void> {
    await this.peerApi.mergePatchStatus(name, { status: patch });
  }

  async close(): Promise<void> {
    this.peerInformer.stop();
    this.meshInformer.stop();
  }

  private changed(): void {
    for (const fn of this.fns) fn();
  }
}
