import { memoByText } from '@wirekube/util';
import { ROUTE_METRIC, ROUTE_TABLE, RULE_PRIORITY_API_SERVER, RULE_PRIORITY_FWMARK, RULE_PRIORITY_MESH, WIREGUARD_FWMARK } from './constants';
import type { HostPort, MeshConfig, MeshPeer } from './domain';
import { cidrContains, cidrsOverlap, formatCidr, parseCidr, parseIp, type Cidr } from './domain-cidr';

/** How traffic to one remote peer travels right now, as decided by the path manager. */
export type PathState =
  | { kind: 'direct'; endpoint: HostPort; reason: string }
  | { kind: 'relay'; endpoint: HostPort; reason: string }
  | { kind: 'down'; reason: string };

/** Everything the planner looks at. */
export interface NodeSnapshot {
  /** This node's name. */
  node: string;
  /** This node's WireGuard public key (base64). */
  publicKey: string;
  /** This node's mesh address (no prefix), once derived. */
  meshIp?: string;
  mesh: MeshConfig;
  /** Every WireKubePeer, this node's own included. */
  peers: readonly MeshPeer[];
  /** Path per remote node name; a missing entry means `down`. */
  paths: ReadonlyMap<string, PathState>;
  /** API server addresses whose traffic must keep using the main table. */
  apiServerIps: readonly string[];
}

/** A WireGuard peer as the device should have it. */
export interface PlannedPeer {
  node: string;
  publicKey: string;
  /** Canonical CIDRs, sorted. */
  allowedIps: string[];
  /** Where to send; absent while the path is down (the device keeps whatever it had). */
  endpoint?: HostPort;
  persistentKeepaliveSec: number;
}

/** A route in the mesh table: `unicast` through the interface, or `throw` back to the next rule. */
export interface PlannedRoute {
  type: 'unicast' | 'throw';
  cidr: string;
  table: number;
  /** Set for unicast routes. */
  dev?: string;
  /** Preferred source address (the mesh address) for unicast routes. */
  src?: string;
  metric: number;
}

/** An ip rule. */
export interface PlannedRule {
  priority: number;
  table: 'main' | number;
  fwmark?: number;
  /** Destination CIDR, when the rule is destination-based. */
  to?: string;
}

/** A resource that could not be planned, with a reason fit for a condition. */
export interface PlanProblem {
  node: string;
  reason: string;
  message: string;
}

/** The desired state of one node, produced by {@link planNode}. */
export interface NodePlan {
  device: { name: string; listenPort: number; fwmark: number; mtu: number | 'auto'; addresses: string[] };
  peers: PlannedPeer[];
  routes: PlannedRoute[];
  rules: PlannedRule[];
  problems: PlanProblem[];
}

/**
 * Turns a snapshot of the mesh into this node's desired WireGuard peers, routes and rules. Pure and
 * deterministic: same snapshot, same plan, every list sorted. Rules:
 * - every valid remote peer becomes a WireGuard peer (so handshakes can happen on any path);
 * - routes exist only for peers whose path is usable (direct or relay), in table 22347;
 * - `excludeCIDRs` and the API server addresses become `throw` routes, so they fall through to main;
 * - a node with no AllowedIPs of its own installs no routes and no rules (nothing could come back);
 * - peers with a duplicate or own public key, or AllowedIPs already claimed by another peer, are
 *   left out and reported in `problems`.
 */
export function planNode(s: NodeSnapshot): NodePlan {
  const problems: PlanProblem[] = [];
  const self = s.peers.find((p) => p.name === s.node);
  const device = {
    name: s.mesh.interfaceName,
    listenPort: s.mesh.listenPort,
    fwmark: WIREGUARD_FWMARK,
    mtu: s.mesh.mtu,
    addresses: s.meshIp ? [hostCidr(s.meshIp)] : [],
  };
  const excludes = s.mesh.excludeCidrs.map(mustCidr);
  const keysSeen = new Map<string, string>();
  const claimed = new Map<string, string>();
  const peers: PlannedPeer[] = [];
  const sortedPeers = [...s.peers].filter((p) => p.name !== s.node).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const p of sortedPeers) {
    if (p.terminating) continue;
    if (p.publicKey === s.publicKey) {
      problems.push({ node: p.name, reason: 'DuplicatePublicKey', message: `publicKey is the same as this node's (${s.node})` });
      continue;
    }
    const keyOwner = keysSeen.get(p.publicKey);
    if (keyOwner) {
      problems.push({ node: p.name, reason: 'DuplicatePublicKey', message: `publicKey is already used by ${keyOwner}` });
      continue;
    }
    const clash = p.allowedIps.find((c) => claimed.has(c) || (self?.allowedIps.includes(c) ?? false));
    if (clash) {
      const by = claimed.get(clash) ?? s.node;
      problems.push({ node: p.name, reason: 'AllowedIPsConflict', message: `allowedIPs ${clash} is already claimed by ${by}` });
      continue;
    }
    keysSeen.set(p.publicKey, p.name);
    p.allowedIps.forEach((c) => claimed.set(c, p.name));
    const path = s.paths.get(p.name);
    peers.push(plannedPeer(p, path && path.kind !== 'down' ? path.endpoint : undefined));
  }

  const selfHasAllowedIps = (self?.allowedIps.length ?? 0) > 0 && s.meshIp !== undefined;
  if (!selfHasAllowedIps) return { device, peers, routes: [], rules: [], problems };

  const ownCidrs = (self?.allowedIps ?? []).map(mustCidr);
  const routes = new Map<string, PlannedRoute>();
  const via = unicastRoutesVia(s.mesh.interfaceName, s.meshIp);
  const routed: Cidr[] = [];
  for (const peer of peers) {
    const path = s.paths.get(peer.node);
    if (!path || path.kind === 'down') continue;
    for (const text of peer.allowedIps) {
      const c = mustCidr(text);
      if (excludes.some((e) => containsCidr(e, c)) || ownCidrs.some((o) => containsCidr(o, c))) continue;
      if (!routes.has(text)) routed.push(c);
      routes.set(text, unicastRoute(via, text, s.mesh.interfaceName, s.meshIp));
    }
  }
  const throwsFor = (c: Cidr) => routed.some((r) => cidrsOverlap(r, c));
  for (const e of excludes) {
    if (throwsFor(e)) routes.set(`throw:${formatCidr(e)}`, { type: 'throw', cidr: formatCidr(e), table: ROUTE_TABLE, metric: ROUTE_METRIC });
  }
  const rules: PlannedRule[] = [
    { priority: RULE_PRIORITY_FWMARK, fwmark: WIREGUARD_FWMARK, table: 'main' },
    ...[...new Set(s.apiServerIps)].sort().map((ip) => ({ priority: RULE_PRIORITY_API_SERVER, to: hostCidr(ip), table: 'main' as const })),
    { priority: RULE_PRIORITY_MESH, table: ROUTE_TABLE },
  ];
  return { device, peers, routes: [...routes.values()].sort(compareRoutes), rules, problems };
}

/**
 * Planned peers and routes are shared across plans while their inputs are unchanged, so an agent
 * re-planning 1000 peers allocates (and its appliers re-derive) only what changed (docs/scale.md).
 * They are frozen: a plan is read-only.
 */
const plannedPeers = new WeakMap<MeshPeer, PlannedPeer>();

function plannedPeer(p: MeshPeer, endpoint: HostPort | undefined): PlannedPeer {
  const hit = plannedPeers.get(p);
  if (hit && hit.endpoint?.host === endpoint?.host && hit.endpoint?.port === endpoint?.port) return hit;
  const planned = Object.freeze({ node: p.name, publicKey: p.publicKey, allowedIps: [...p.allowedIps].sort(), ...(endpoint ? { endpoint } : {}), persistentKeepaliveSec: p.persistentKeepaliveSec });
  plannedPeers.set(p, planned);
  return planned;
}

// Unicast routes by device and source, then by prefix (bounded like the prefix memo).
const ROUTES_MEMO_MAX = 65_536;
const unicastRoutes = new Map<string, Map<string, PlannedRoute>>();

function unicastRoutesVia(dev: string, src: string | undefined): Map<string, PlannedRoute> {
  const key = `${dev}|${src}`;
  let routes = unicastRoutes.get(key);
  if (!routes) {
    if (unicastRoutes.size >= 16) unicastRoutes.clear();
    unicastRoutes.set(key, (routes = new Map()));
  }
  if (routes.size >= ROUTES_MEMO_MAX) routes.clear();
  return routes;
}

function unicastRoute(via: Map<string, PlannedRoute>, cidr: string, dev: string, src: string | undefined): PlannedRoute {
  let route = via.get(cidr);
  if (!route) via.set(cidr, (route = Object.freeze({ type: 'unicast', cidr, table: ROUTE_TABLE, dev, src, metric: ROUTE_METRIC })));
  return route;
}

/** `10.0.0.1` → `10.0.0.1/32`, `fd00::1` → `fd00::1/128`. */
export function hostCidr(ip: string): string {
  const p = parseIp(ip);
  if (!p.ok) throw new Error(p.reason);
  return `${ip}/${p.value.family === 4 ? 32 : 128}`;
}

/**
 * Parsed CIDRs by text, shared across plans: an agent re-plans every peer on each reconcile, and
 * parsing thousands of prefixes each time was a measurable part of a 1000-peer reconcile (see
 * docs/scale.md). Entries are frozen.
 */
const mustCidr = memoByText((text): Cidr => {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`planner received an unvalidated CIDR: ${r.reason}`);
  return Object.freeze(r.value);
});

function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return outer.prefix <= inner.prefix && cidrContains(outer, { family: inner.family, value: inner.base });
}

function compareRoutes(a: PlannedRoute, b: PlannedRoute): number {
  return a.cidr === b.cidr ? (a.type < b.type ? -1 : 1) : a.cidr < b.cidr ? -1 : 1;
}
