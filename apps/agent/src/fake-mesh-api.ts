import type { PeerStatus, WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import { MANAGED_ALLOWED_IPS_ANNOTATION, type MeshApi, type NodeFacts, type OwnPeer, type OwnPeerSpec } from './kube-mesh-api';

/**
 * In-memory {@link MeshApi} for unit tests: a map of objects that tests edit (then `changed()`),
 * with every write recorded, and an `down` switch that makes writes fail like an unreachable server.
 */
export class FakeMeshApi implements MeshApi {
  meshes = new Map<string, WireKubeMesh>();
  peerObjs = new Map<string, WireKubePeer>();
  nodes = new Map<string, NodeFacts>();
  readonly statusWrites: Array<{ name: string; patch: unknown }> = [];
  readonly specWrites: Array<{ name: string; spec: OwnPeerSpec }> = [];
  down = false;
  /** Whether the first lists have arrived. */
  listed = true;
  private readonly fns = new Set<() => void>();

  onChange(fn: () => void): void {
    this.fns.add(fn);
  }

  synced(): boolean {
    return this.listed;
  }

  /** Notifies watchers, as an informer event would. */
  changed(): void {
    for (const fn of this.fns) fn();
  }

  mesh(name: string): WireKubeMesh | undefined {
    return this.meshes.get(name);
  }

  peers(): WireKubePeer[] {
    return [...this.peerObjs.values()];
  }

  async node(name: string): Promise<NodeFacts> {
    this.failIfDown();
    const n = this.nodes.get(name);
    if (!n) throw new Error(`nodes "${name}" not found`);
    return n;
  }

  async upsertOwnPeer(name: string, node: NodeFacts, own: OwnPeer): Promise<void> {
    this.failIfDown();
    const { spec } = own;
    this.specWrites.push({ name, spec });
    const existing = this.peerObjs.get(name);
    this.peerObjs.set(name, {
      apiVersion: 'wirekube.io/v1alpha1',
      kind: 'WireKubePeer',
      metadata: {
        name,
        annotations: { [MANAGED_ALLOWED_IPS_ANNOTATION]: own.managedAllowedIPs.join(',') },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.uid }],
      },
      spec,
      ...(existing?.status && { status: existing.status }),
    });
    this.changed();
  }

  /** Applies `patch` as a JSON merge patch (RFC 7386) to the status, as the API server does. */
  async writeStatus(name: string, patch: unknown): Promise<void> {
    this.failIfDown();
    const obj = this.peerObjs.get(name);
    if (!obj) throw new Error(`wirekubepeers "${name}" not found`);
    this.statusWrites.push({ name, patch });
    obj.status = mergePatch(obj.status ?? {}, patch) as PeerStatus;
  }

  async close(): Promise<void> {}

  private failIfDown(): void {
    if (this.down) throw new Error('connect ECONNREFUSED (fake API server down)');
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
