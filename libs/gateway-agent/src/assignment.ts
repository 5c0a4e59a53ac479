import { GatewayRole, type Assignments, type GatewayAssignment } from '@wirekube/proto';

/** What this node does for one gateway. `excluded` = not in clientRefs: withhold the routes. */
export type GatewayNodeRole = 'active' | 'standby' | 'client' | 'excluded';

/** How a candidate probes the gateway's target network through the tunnel. All durations in ms. */
export interface ProbeSpec {
  /** `host:port` → TCP connect; bare IP → ICMP echo. */
  target: string;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
}

/** One gateway assignment, decoded from the wire into plain values. */
export interface GatewayTask {
  gateway: string;
  role: GatewayNodeRole;
  /** Canonical route CIDRs as the controller sent them. */
  routes: string[];
  snat: { enabled: boolean; sourceIp?: string };
  /** ACTIVE only: sources whose traffic to the routes is masqueraded. */
  snatSources: string[];
  /** Absent when the gateway has no health check. */
  probe?: ProbeSpec;
  /** The node currently carrying the routes ('' when none). */
  activePeer: string;
}

/** A `-s <source> -d <destination> -j MASQUERADE|SNAT` rule, shaped like `@wirekube/host`'s `SnatRule`. */
export interface SnatRuleSpec {
  source: string;
  destination?: string;
  outInterface?: string;
  toSource?: string;
}

/** Everything the gateway side of one node wants from the host, derived by {@link desiredGatewayHost}. */
export interface GatewayHostState {
  /** True when this node is ACTIVE for at least one gateway and so must forward. */
  forwarding: boolean;
  /** Tagged SNAT/MASQUERADE rules, sorted; empty when the node is active for nothing. */
  snat: SnatRuleSpec[];
  /** CIDRs the planner routes through the mesh towards the active gateway (CLIENT role), sorted. */
  routeViaMesh: Array<{ cidr: string; via: string; gateway: string }>;
  /** CIDRs the planner must NOT route on this node although a peer's AllowedIPs carry them, sorted. */
  withhold: string[];
}

const ROLES: Partial<Record<GatewayRole, GatewayNodeRole>> = {
  [GatewayRole.GATEWAY_ROLE_ACTIVE]: 'active',
  [GatewayRole.GATEWAY_ROLE_STANDBY]: 'standby',
  [GatewayRole.GATEWAY_ROLE_CLIENT]: 'client',
  [GatewayRole.GATEWAY_ROLE_EXCLUDED]: 'excluded',
};

/** Decodes a wire assignment; an unknown role (a newer controller) is reported as `undefined`, never guessed. */
export function decodeAssignment(a: GatewayAssignment): GatewayTask | undefined {
  const role = ROLES[a.role];
  if (!role) return undefined;
  const hc = a.healthCheck;
  return {
    gateway: a.gateway,
    role,
    routes: [...a.routes],
    snat: { enabled: a.snatEnabled, ...(a.snatSourceIp ? { sourceIp: a.snatSourceIp } : {}) },
    snatSources: [...a.snatSources],
    ...(hc && hc.target
      ? { probe: { target: hc.target, intervalMs: Math.max(1, hc.intervalSeconds) * 1000, timeoutMs: Math.max(1, hc.timeoutSeconds) * 1000, failureThreshold: Math.max(1, hc.failureThreshold) } }
      : {}),
    activePeer: a.activePeer,
  };
}

/** Decodes a full assignment set, dropping (and naming) entries with roles this build does not know. */
export function decodeAssignments(a: Assignments): { tasks: GatewayTask[]; unknown: string[] } {
  const tasks: GatewayTask[] = [];
  const unknown: string[] = [];
  for (const g of a.gateways) {
    const t = decodeAssignment(g);
    if (t) tasks.push(t);
    else unknown.push(g.gateway);
  }
  return { tasks, unknown };
}

/**
 * The host state the gateway tasks of one node call for. Pure. ACTIVE → forwarding plus one rule
 * per (source, route) when SNAT is enabled; CLIENT → routes through the mesh via the active peer;
 * EXCLUDED → routes withheld; STANDBY → nothing (it only probes).
 */
export function desiredGatewayHost(tasks: readonly GatewayTask[]): GatewayHostState {
  const snat = new Map<string, SnatRuleSpec>();
  const via = new Map<string, { cidr: string; via: string; gateway: string }>();
  const withhold = new Set<string>();
  let forwarding = false;
  for (const t of tasks) {
    if (t.role === 'active') {
      forwarding = true;
      if (!t.snat.enabled) continue;
      for (const source of t.snatSources) {
        for (const destination of t.routes) {
          const rule: SnatRuleSpec = { source, destination, ...(t.snat.sourceIp ? { toSource: t.snat.sourceIp } : {}) };
          snat.set(`${source}>${destination}>${rule.toSource ?? ''}`, rule);
        }
      }
    } else if (t.role === 'client' && t.activePeer) {
      for (const cidr of t.routes) via.set(cidr, { cidr, via: t.activePeer, gateway: t.gateway });
    } else if (t.role === 'excluded') {
      for (const cidr of t.routes) withhold.add(cidr);
    }
  }
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { forwarding, snat: byKey(snat), routeViaMesh: byKey(via), withhold: [...withhold].sort() };
}

/** Gateways this node must probe: the candidates (ACTIVE and STANDBY) of gateways with a health check. */
export function probeTasks(tasks: readonly GatewayTask[]): Array<{ gateway: string; probe: ProbeSpec }> {
  return tasks
    .filter((t): t is GatewayTask & { probe: ProbeSpec } => (t.role === 'active' || t.role === 'standby') && t.probe !== undefined)
    .map((t) => ({ gateway: t.gateway, probe: t.probe }));
}
