import { cidrContains, cidrsOverlap, formatCidr, parseCidr, parseIp, type Cidr } from '@wirekube/planner';
import type { GatewayInput, PeerInput } from './model';

/** A route refused, with the condition reason and a message that names the culprit. */
export interface RefusedRoute {
  cidr: string;
  reason: 'InvalidCIDR' | 'RouteCapturesNodeAddress' | 'RouteOverlapsMesh' | 'RouteOverlapsGateway' | 'DuplicateRoute';
  message: string;
}

/** Routes of one gateway after validation: accepted ones canonical and sorted. */
export interface RouteVerdict {
  accepted: string[];
  refused: RefusedRoute[];
}

/**
 * Validates every gateway's routes against the mesh and against each other. Pure. A route is
 * refused when it is not a CIDR, when it overlaps the mesh CIDR, when it contains the address of
 * a node that would route it through the mesh (a client: it would capture its own traffic — the
 * candidates' own addresses may lie inside, the gateway usually sits in the routed network), or
 * when it overlaps a route of another gateway; then a gateway that already has an active peer
 * keeps it, then the older one (creation time — one-second resolution — then name), so a
 * newcomer can never take routes away from a working gateway.
 */
export function validateRoutes(gateways: readonly GatewayInput[], peers: readonly PeerInput[], meshCidr?: string): Map<string, RouteVerdict> {
  const mesh = meshCidr ? parseCidr(meshCidr) : undefined;
  const holding = (g: GatewayInput) => (g.previousActive ? 0 : 1);
  const ordered = [...gateways].sort((a, b) => holding(a) - holding(b) || a.createdAtMs - b.createdAtMs || (a.name < b.name ? -1 : 1));
  const claimed: Array<{ gateway: string; cidr: Cidr }> = [];
  const out = new Map<string, RouteVerdict>();
  for (const gw of ordered) {
    const verdict: RouteVerdict = { accepted: [], refused: [] };
    const users = routeUsers(gw, peers);
    const seen = new Set<string>();
    for (const route of gw.routes) {
      const parsed = parseCidr(route.cidr);
      if (!parsed.ok) {
        verdict.refused.push({ cidr: route.cidr, reason: 'InvalidCIDR', message: `route ${JSON.stringify(route.cidr)}: ${parsed.reason}` });
        continue;
      }
      const c = parsed.value;
      const canonical = formatCidr(c);
      if (seen.has(canonical)) {
        verdict.refused.push({ cidr: route.cidr, reason: 'DuplicateRoute', message: `route ${route.cidr} is listed twice (as ${canonical})` });
        continue;
      }
      seen.add(canonical);
      if (mesh?.ok && cidrsOverlap(c, mesh.value)) {
        verdict.refused.push({ cidr: canonical, reason: 'RouteOverlapsMesh', message: `route ${canonical} overlaps the mesh CIDR ${meshCidr}` });
        continue;
      }
      const captured = capturedNode(c, users);
      if (captured) {
        verdict.refused.push({ cidr: canonical, reason: 'RouteCapturesNodeAddress', message: `route ${canonical} contains ${captured.address}, an address of node ${captured.node} that would route it through the mesh` });
        continue;
      }
      const clash = claimed.find((k) => k.gateway !== gw.name && cidrsOverlap(k.cidr, c));
      if (clash) {
        verdict.refused.push({ cidr: canonical, reason: 'RouteOverlapsGateway', message: `route ${canonical} overlaps ${formatCidr(clash.cidr)} of gateway ${clash.gateway}, which was there first` });
        continue;
      }
      claimed.push({ gateway: gw.name, cidr: c });
      verdict.accepted.push(canonical);
    }
    verdict.accepted.sort();
    out.set(gw.name, verdict);
  }
  return out;
}

/** The peers that would install a gateway's routes: its clients (all non-candidates when none are named). */
export function routeUsers(gw: GatewayInput, peers: readonly PeerInput[]): PeerInput[] {
  const candidates = new Set(gw.peerRefs);
  const clients = new Set(gw.clientRefs);
  return peers.filter((p) => !candidates.has(p.name) && (clients.size === 0 || clients.has(p.name)));
}

function capturedNode(c: Cidr, users: readonly PeerInput[]): { node: string; address: string } | undefined {
  for (const p of users) {
    for (const a of p.addresses) {
      const ip = parseIp(a.split('/')[0]);
      if (ip.ok && cidrContains(c, ip.value)) return { node: p.name, address: a.split('/')[0] };
    }
  }
  return undefined;
}
