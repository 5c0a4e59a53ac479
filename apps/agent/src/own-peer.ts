import type { WireKubePeer } from '@wirekube/k8s';
import { cidrContains, deriveMeshIp, hostCidr, parseCidr, parseIp, type Cidr, type MeshConfig, type MeshIpClaim, type MeshIpResult, type MeshPeer } from '@wirekube/planner';
import { MANAGED_ALLOWED_IPS_ANNOTATION, type OwnPeer } from './kube-mesh-api';

// A peer's claims by peer object (translations are stable while the object is unchanged).
const claimsOf = new WeakMap<Pick<MeshPeer, 'name' | 'allowedIps'>, { meshCidr: string; claims: MeshIpClaim[] }>();

/** Mesh addresses other nodes have published: their /32 (or /128) AllowedIPs inside the mesh CIDR. */
export function meshIpClaims(meshCidr: string, peers: readonly Pick<MeshPeer, 'name' | 'allowedIps'>[]): MeshIpClaim[] {
  const block = parseCidr(meshCidr);
  if (!block.ok) return [];
  const claims: MeshIpClaim[] = [];
  for (const p of peers) {
    let hit = claimsOf.get(p);
    if (hit?.meshCidr !== meshCidr) {
      hit = { meshCidr, claims: p.allowedIps.flatMap((text) => meshHostIp(text, block.value) ?? []).map((ip) => ({ node: p.name, ip })) };
      claimsOf.set(p, hit);
    }
    claims.push(...hit.claims);
  }
  return claims;
}

/**
 * This node's mesh address: kept from its own published AllowedIPs when still valid (addresses
 * never move under traffic), otherwise derived deterministically (see `deriveMeshIp`).
 */
export function ownMeshIp(node: string, mesh: MeshConfig, own: WireKubePeer | undefined, others: readonly MeshPeer[]): MeshIpResult {
  const block = parseCidr(mesh.meshCidr);
  // The address the agent itself published (annotation) wins over /32s users may have added.
  const managed = managedEntries(own);
  const candidates = [...(own?.spec?.allowedIPs ?? [])].sort((a, b) => Number(managed.has(b)) - Number(managed.has(a)));
  const current = block.ok ? candidates.map((t) => meshHostIp(t, block.value)).find(Boolean) : undefined;
  return deriveMeshIp({ node, meshCidr: mesh.meshCidr, claims: meshIpClaims(mesh.meshCidr, others), ...(current && { current }) });
}

/**
 * This node's WireKubePeer as it should be. AllowedIPs = the mesh /32, the node InternalIP when the
 * mesh asks for it, and whatever users added (kept untouched, even when it conflicts — that is then
 * reported, not silently repaired). Entries the agent managed before (the
 * {@link MANAGED_ALLOWED_IPS_ANNOTATION} annotation) are dropped when no longer wanted — an old
 * mesh address, a changed or unwanted InternalIP. Pure.
 */
export function ownPeer(o: { publicKey: string; mesh: MeshConfig; meshIp: string; internalIp?: string; endpoint?: string; existing?: WireKubePeer }): OwnPeer {
  const internal = o.internalIp ? hostCidr(o.internalIp) : undefined;
  const managedBefore = managedEntries(o.existing);
  const user = (o.existing?.spec?.allowedIPs ?? []).filter((t) => t !== internal && !managedBefore.has(t));
  const managed = [hostCidr(o.meshIp), ...(o.mesh.includeNodeInternalIp && internal ? [internal] : [])].sort();
  return {
    spec: { publicKey: o.publicKey, ...(o.endpoint && { endpoint: o.endpoint }), allowedIPs: [...new Set([...managed, ...user])].sort() },
    managedAllowedIPs: managed,
  };
}

/** True when the object already matches `own` (spec and annotation), so no write is needed. */
export function ownPeerMatches(existing: WireKubePeer | undefined, own: OwnPeer): boolean {
  if (!existing?.spec) return false;
  const s = existing.spec;
  const spec = own.spec;
  return (
    s.publicKey === spec.publicKey &&
    (s.endpoint ?? undefined) === spec.endpoint &&
    JSON.stringify([...(s.allowedIPs ?? [])].sort()) === JSON.stringify(spec.allowedIPs) &&
    existing.metadata?.annotations?.[MANAGED_ALLOWED_IPS_ANNOTATION] === own.managedAllowedIPs.join(',')
  );
}

function managedEntries(obj: WireKubePeer | undefined): Set<string> {
  return new Set((obj?.metadata?.annotations?.[MANAGED_ALLOWED_IPS_ANNOTATION] ?? '').split(',').filter(Boolean));
}

function meshHostIp(text: string, block: Cidr): string | undefined {
  const slash = text.indexOf('/');
  const prefix = Number(text.slice(slash + 1));
  const ip = parseIp(text.slice(0, slash));
  if (slash < 0 || !ip.ok || ip.value.family !== block.family) return undefined;
  if (prefix !== (block.family === 4 ? 32 : 128) || !cidrContains(block, ip.value)) return undefined;
  return text.slice(0, slash);
}
