import type { WireKubePeer } from '@wirekube/k8s';
import { cidrContains, deriveMeshIp, hostCidr, parseCidr, parseIp, type Cidr, type MeshConfig, type MeshIpClaim, type MeshIpResult, type MeshPeer } from '@wirekube/planner';
import type { OwnPeerSpec } from './kube-mesh-api';

/** Mesh addresses other nodes have published: their /32 (or /128) AllowedIPs inside the mesh CIDR. */
export function meshIpClaims(meshCidr: string, peers: readonly Pick<MeshPeer, 'name' | 'allowedIps'>[]): MeshIpClaim[] {
  const block = parseCidr(meshCidr);
  if (!block.ok) return [];
  const claims: MeshIpClaim[] = [];
  for (const p of peers) {
    for (const text of p.allowedIps) {
      const ip = meshHostIp(text, block.value);
      if (ip) claims.push({ node: p.name, ip });
    }
  }
  return claims;
}

/**
 * This node's mesh address: kept from its own published AllowedIPs when still valid (addresses
 * never move under traffic), otherwise derived deterministically (see `deriveMeshIp`).
 */
export function ownMeshIp(node: string, mesh: MeshConfig, own: WireKubePeer | undefined, others: readonly MeshPeer[]): MeshIpResult {
  const block = parseCidr(mesh.meshCidr);
  const current = block.ok ? (own?.spec?.allowedIPs ?? []).map((t) => meshHostIp(t, block.value)).find(Boolean) : undefined;
  return deriveMeshIp({ node, meshCidr: mesh.meshCidr, claims: meshIpClaims(mesh.meshCidr, others), ...(current && { current }) });
}

/**
 * The spec this node's WireKubePeer should have. AllowedIPs = the mesh /32, the node InternalIP when
 * the mesh asks for it, and whatever users added (kept untouched); stale agent-managed entries (an
 * old mesh address, an InternalIP no longer wanted) are dropped. Pure.
 */
export function ownPeerSpec(o: {
  publicKey: string;
  mesh: MeshConfig;
  meshIp: string;
  internalIp?: string;
  endpoint?: string;
  existing?: WireKubePeer;
}): OwnPeerSpec {
  const block = parseCidr(o.mesh.meshCidr);
  const internal = o.internalIp ? hostCidr(o.internalIp) : undefined;
  const user = (o.existing?.spec?.allowedIPs ?? []).filter((t) => {
    if (t === internal) return false;
    return !(block.ok && meshHostIp(t, block.value));
  });
  const managed = [hostCidr(o.meshIp), ...(o.mesh.includeNodeInternalIp && internal ? [internal] : [])];
  return {
    publicKey: o.publicKey,
    ...(o.endpoint && { endpoint: o.endpoint }),
    allowedIPs: [...new Set([...managed, ...user])].sort(),
  };
}

/** True when the object's spec already equals `spec` (so no write is needed). */
export function specMatches(existing: WireKubePeer | undefined, spec: OwnPeerSpec): boolean {
  if (!existing?.spec) return false;
  const s = existing.spec;
  return s.publicKey === spec.publicKey && (s.endpoint ?? undefined) === spec.endpoint && JSON.stringify([...(s.allowedIPs ?? [])].sort()) === JSON.stringify(spec.allowedIPs);
}

function meshHostIp(text: string, block: Cidr): string | undefined {
  const slash = text.indexOf('/');
  const prefix = Number(text.slice(slash + 1));
  const ip = parseIp(text.slice(0, slash));
  if (slash < 0 || !ip.ok || ip.value.family !== block.family) return undefined;
  if (prefix !== (block.family === 4 ? 32 : 128) || !cidrContains(block, ip.value)) return undefined;
  return text.slice(0, slash);
}
