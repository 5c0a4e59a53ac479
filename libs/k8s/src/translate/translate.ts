/**
 * Pure translation from custom resources to the planner's domain types: defaults applied (the API
 * server applies them too, but a client must not depend on that), CIDRs canonical and sorted,
 * units converted. Invalid input yields problems for a condition, never a partial value.
 */
import { formatCidr, parseCidr, parseHostPort, type Gateway, type HostPort, type MeshConfig, type MeshPeer } from '@wirekube/planner';
import type { WireKubeGateway } from '../crd/gateway';
import { MESH_DEFAULTS, type WireKubeMesh } from '../crd/mesh';
import type { WireKubePeer } from '../crd/peer';
import type { Problem } from '../validate/problems';
import { validateGatewaySpec, validateMeshSpec, validatePeerSpec, type GatewayContext } from '../validate/validate';

/** A translated value, or the problems that prevented it. */
export type Translated<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** Annotation that overrides the mesh's birthday-attack setting for one peer (`enabled`/`disabled`). */
export const BIRTHDAY_ATTACK_ANNOTATION = 'wirekube.io/birthday-attack';

/** WireKubeMesh → MeshConfig. */
export function translateMesh(cr: WireKubeMesh): Translated<MeshConfig> {
  const spec = cr.spec ?? ({} as WireKubeMesh['spec']);
  const problems = validateMeshSpec(spec);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: {
      listenPort: spec.listenPort ?? MESH_DEFAULTS.listenPort,
      interfaceName: spec.interfaceName ?? MESH_DEFAULTS.interfaceName,
      mtu: spec.mtu ?? MESH_DEFAULTS.mtu,
      stunServers: spec.stunServers.map(hostPort),
      meshCidr: canonical(spec.meshCIDR ?? MESH_DEFAULTS.meshCIDR),
      includeNodeInternalIp: spec.autoAllowedIPs?.includeNodeInternalIP ?? false,
      excludeCidrs: sortedCidrs(spec.routing?.excludeCIDRs),
      birthdayAttack: spec.natTraversal?.birthdayAttack === 'enabled',
      relay: {
        mode: spec.relay?.mode ?? 'auto',
        endpoints: (spec.relay?.endpoints ?? []).map(hostPort),
        transport: spec.relay?.transport ?? 'tcp',
      },
    },
  };
}

/** WireKubePeer → MeshPeer. */
export function translatePeer(cr: WireKubePeer): Translated<MeshPeer> {
  const spec = cr.spec ?? ({} as WireKubePeer['spec']);
  const problems = validatePeerSpec(spec);
  if (problems.length) return { ok: false, problems };
  const override = cr.metadata.annotations?.[BIRTHDAY_ATTACK_ANNOTATION];
  const peer: MeshPeer = {
    name: cr.metadata.name ?? '',
    publicKey: spec.publicKey,
    allowedIps: sortedCidrs(spec.allowedIPs),
    persistentKeepaliveSec: spec.persistentKeepalive ?? MESH_DEFAULTS.persistentKeepalive,
    natType: cr.status?.natType ?? 'unknown',
    terminating: cr.metadata.deletionTimestamp !== undefined && cr.metadata.deletionTimestamp !== null,
  };
  if (spec.endpoint !== undefined) peer.endpoint = hostPort(spec.endpoint);
  const nat = cr.status?.nat;
  if (nat) peer.nat = { mapping: nat.mapping, filtering: nat.filtering, portPattern: nat.portPattern, portDelta: nat.portDelta ?? 0 };
  if (override === 'enabled' || override === 'disabled') peer.birthdayAttack = override === 'enabled';
  return { ok: true, value: peer };
}

/** WireKubeGateway → Gateway, validated against the cluster context. */
export function translateGateway(cr: WireKubeGateway, ctx: GatewayContext): Translated<Gateway> {
  const spec = cr.spec ?? ({} as WireKubeGateway['spec']);
  const problems = validateGatewaySpec(spec, ctx);
  if (problems.length) return { ok: false, problems };
  const gw: Gateway = {
    name: cr.metadata.name ?? '',
    candidates: [...spec.peerRefs],
    clients: [...new Set(spec.clientRefs ?? [])].sort(),
    routes: spec.routes.map((r) => ({ cidr: canonical(r.cidr), description: r.description ?? '' })).sort((a, b) => cmp(a.cidr, b.cidr)),
    snat: { enabled: spec.snat?.enabled ?? true },
  };
  if (spec.snat?.sourceIP) gw.snat.sourceIp = spec.snat.sourceIP;
  const hc = spec.healthCheck;
  if (hc) {
    gw.healthCheck = {
      target: hc.target,
      intervalMs: (hc.intervalSeconds ?? 5) * 1000,
      timeoutMs: (hc.timeoutSeconds ?? 2) * 1000,
      failureThreshold: hc.failureThreshold ?? 3,
    };
  }
  return { ok: true, value: gw };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// Only called after validation, so parsing cannot fail here.
function canonical(text: string): string {
  const r = parseCidr(text);
  return r.ok ? formatCidr(r.value) : text;
}

function sortedCidrs(list: readonly string[] | undefined): string[] {
  return [...new Set((list ?? []).map(canonical))].sort(cmp);
}

function hostPort(text: string): HostPort {
  const r = parseHostPort(text);
  return r.ok ? r.value : { host: text, port: 0 };
}
