import { isIP } from 'node:net';
import { MESH_DEFAULTS, type KubeNode, type WireKubeGateway, type WireKubeMesh, type WireKubePeer } from '@wirekube/k8s';
import { HEALTH_DEFAULTS } from './core/elect';
import type { GatewayInput, PeerInput } from './core/model';

/**
 * Annotation on a WireKubePeer recording which AllowedIPs this controller injected, per gateway
 * (JSON `{"<gateway>":["<cidr>",…]}`). It is how a demoted peer's routes are found and removed
 * after a controller restart without touching CIDRs a user put there.
 */
export const INJECTED_ANNOTATION = 'wirekube.io/gateway-routes';

/** WireKubeGateway → core input, defaults applied; never throws on odd content (the core judges it). */
export function gatewayInput(cr: WireKubeGateway, incumbent: string | undefined): GatewayInput {
  const spec = (cr.spec ?? {}) as Partial<WireKubeGateway['spec']>;
  const hc = spec.healthCheck;
  const created = Date.parse(String(cr.metadata?.creationTimestamp ?? ''));
  return {
    name: cr.metadata?.name ?? '',
    generation: cr.metadata?.generation ?? 0,
    createdAtMs: Number.isFinite(created) ? created : 0,
    peerRefs: strings(spec.peerRefs),
    clientRefs: strings(spec.clientRefs),
    routes: Array.isArray(spec.routes) ? spec.routes.filter((r) => r && typeof r === 'object').map((r) => ({ cidr: String(r.cidr ?? ''), ...(r.description ? { description: r.description } : {}) })) : [],
    snat: { enabled: spec.snat?.enabled ?? true, ...(spec.snat?.sourceIP ? { sourceIp: spec.snat.sourceIP } : {}) },
    ...(hc?.target
      ? {
          healthCheck: {
            target: hc.target,
            intervalSeconds: hc.intervalSeconds ?? HEALTH_DEFAULTS.intervalSeconds,
            timeoutSeconds: hc.timeoutSeconds ?? HEALTH_DEFAULTS.timeoutSeconds,
            failureThreshold: hc.failureThreshold ?? HEALTH_DEFAULTS.failureThreshold,
          },
        }
      : {}),
    previousActive: incumbent ?? cr.status?.activePeer ?? '',
  };
}

/** WireKubePeer (+ its Node) → core input: AllowedIPs, our earlier injections, the node's own addresses. */
export function peerInput(cr: WireKubePeer, node: KubeNode | undefined): PeerInput {
  const addresses = new Set<string>();
  for (const a of node?.status?.addresses ?? []) if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && isIP(a.address)) addresses.add(a.address);
  const endpointHost = cr.spec?.endpoint?.replace(/^\[/, '').replace(/\]?:\d+$/, '');
  if (endpointHost && isIP(endpointHost)) addresses.add(endpointHost);
  return { name: cr.metadata?.name ?? '', allowedIPs: strings(cr.spec?.allowedIPs), injected: parseInjected(cr.metadata?.annotations?.[INJECTED_ANNOTATION]), addresses: [...addresses].sort() };
}

/** The mesh CIDR of the WireKubeMesh (`default` preferred), or undefined when there is none. */
export function meshCidrOf(meshes: readonly WireKubeMesh[]): string | undefined {
  const m = meshes.find((x) => x.metadata?.name === 'default') ?? meshes[0];
  return m ? (m.spec?.meshCIDR ?? MESH_DEFAULTS.meshCIDR) : undefined;
}

/** Parses the injected-routes annotation; garbage reads as "nothing injected" (never a crash). */
export function parseInjected(text: string | undefined): Record<string, string[]> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).map(([k, list]) => [k, strings(list)]).filter(([, l]) => l.length));
  } catch {
    return {};
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
