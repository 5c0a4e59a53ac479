import { elect, judgeCandidates } from './elect';
import type { CandidateVerdict, ConditionValue, ControllerSnapshot, GatewayInput, PeerInput } from './model';
import { routeUsers, validateRoutes, type RouteVerdict } from './routes';

/** What the controller wants for one gateway. */
export interface GatewayOutcome {
  name: string;
  generation: number;
  active: string;
  routes: RouteVerdict;
  verdicts: CandidateVerdict[];
  /** Latest probe time over all candidates. */
  lastHealthCheckMs?: number;
  /** Spec problems beyond routes (unknown peer/client names, no routes). */
  problems: ConditionValue[];
  why: string;
}

/** The AllowedIPs one peer should have, and the injected subset to record in its annotation. */
export interface PeerPatch {
  peer: string;
  allowedIPs: string[];
  injected: Record<string, string[]>;
}

/** One node's role for one gateway (the wire assignment is built from it). */
export interface NodeAssignment {
  gateway: string;
  role: 'active' | 'standby' | 'client' | 'excluded';
  routes: string[];
  snat: { enabled: boolean; sourceIp?: string };
  snatSources: string[];
  healthCheck?: GatewayInput['healthCheck'];
  activePeer: string;
}

/** Result of {@link planGateways}. */
export interface GatewayPlan {
  gateways: GatewayOutcome[];
  /** Only peers whose AllowedIPs or injected record must change; the ones losing routes first. */
  peerPatches: PeerPatch[];
  /** node → assignments, for every node that has one, gateways sorted by name. */
  assignments: Map<string, NodeAssignment[]>;
}

/**
 * The whole controller decision as a pure function of one snapshot: route validation across
 * gateways, candidate health, a stable election per gateway, the AllowedIPs of every peer (our
 * earlier injections replaced by the current ones, user entries untouched) and every node's
 * assignments. Same snapshot, same plan.
 */
export function planGateways(s: ControllerSnapshot): GatewayPlan {
  const peerNames = new Set(s.peers.map((p) => p.name));
  const routeVerdicts = validateRoutes(s.gateways, s.peers, s.meshCidr);
  const gateways: GatewayOutcome[] = [];
  for (const gw of [...s.gateways].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const routes = routeVerdicts.get(gw.name) ?? { accepted: [], refused: [] };
    const verdicts = judgeCandidates({ gateway: gw, nowMs: s.nowMs, leaderSinceMs: Math.max(s.leaderSinceMs, gw.firstSeenMs ?? 0), reports: s.health.get(gw.name), peers: peerNames, connectedAgents: s.connectedAgents });
    const problems = specProblems(gw, peerNames);
    // Without routes there is nothing to carry: nobody is made active.
    const election = routes.accepted.length ? elect(gw.previousActive, verdicts) : { active: '', why: 'no usable routes' };
    const probes = verdicts.map((v) => v.lastProbeMs).filter((t): t is number => t !== undefined);
    gateways.push({
      name: gw.name,
      generation: gw.generation,
      active: election.active,
      routes,
      verdicts,
      problems,
      why: election.why,
      ...(probes.length ? { lastHealthCheckMs: Math.max(...probes) } : {}),
    });
  }
  return { gateways, peerPatches: peerPatches(s.peers, gateways), assignments: assignments(s, gateways) };
}

function specProblems(gw: GatewayInput, peers: ReadonlySet<string>): ConditionValue[] {
  const out: ConditionValue[] = [];
  const unknownPeers = gw.peerRefs.filter((p) => !peers.has(p));
  if (unknownPeers.length) out.push({ type: 'CandidatesResolved', status: 'False', reason: 'UnknownPeer', message: `peerRefs without a WireKubePeer: ${unknownPeers.join(', ')}` });
  else out.push({ type: 'CandidatesResolved', status: 'True', reason: 'AllPeersFound', message: `${gw.peerRefs.length} candidate(s) found` });
  const unknownClients = gw.clientRefs.filter((p) => !peers.has(p));
  if (unknownClients.length) out.push({ type: 'ClientsResolved', status: 'False', reason: 'UnknownPeer', message: `clientRefs without a WireKubePeer: ${unknownClients.join(', ')}` });
  return out;
}

function peerPatches(peers: readonly PeerInput[], gateways: readonly GatewayOutcome[]): PeerPatch[] {
  const want = new Map<string, Record<string, string[]>>();
  for (const g of gateways) {
    if (!g.active || !g.routes.accepted.length) continue;
    const rec = want.get(g.active) ?? {};
    rec[g.name] = g.routes.accepted;
    want.set(g.active, rec);
  }
  const out: PeerPatch[] = [];
  for (const p of peers) {
    const injected = want.get(p.name) ?? {};
    const before = new Set(Object.values(p.injected).flat());
    const now = new Set(Object.values(injected).flat());
    const allowed = [...new Set([...p.allowedIPs.filter((c) => !before.has(c) || now.has(c)), ...now])].sort();
    const same = allowed.length === p.allowedIPs.length && [...p.allowedIPs].sort().every((c, i) => c === allowed[i]) && sameRecord(p.injected, injected);
    if (!same) out.push({ peer: p.name, allowedIPs: allowed, injected });
  }
  // Removals first: for a moment no peer claims a moved CIDR, rather than two (which every
  // node's planner would report as a clash).
  const injectedCount = (p: PeerPatch) => Object.values(p.injected).flat().length;
  return out.sort((a, b) => injectedCount(a) - injectedCount(b));
}

function sameRecord(a: Record<string, string[]>, b: Record<string, string[]>): boolean {
  const norm = (r: Record<string, string[]>) => JSON.stringify(Object.keys(r).sort().filter((k) => r[k].length).map((k) => [k, [...r[k]].sort()]));
  return norm(a) === norm(b);
}

function assignments(s: ControllerSnapshot, gateways: readonly GatewayOutcome[]): Map<string, NodeAssignment[]> {
  const out = new Map<string, NodeAssignment[]>();
  const add = (node: string, a: NodeAssignment) => out.set(node, [...(out.get(node) ?? []), a]);
  const byName = new Map(s.gateways.map((g) => [g.name, g]));
  for (const g of gateways) {
    const spec = byName.get(g.name)!;
    const routes = g.routes.accepted;
    if (!routes.length) continue;
    const users = routeUsers(spec, s.peers);
    const base = { gateway: g.name, routes, snat: spec.snat, activePeer: g.active, snatSources: [] as string[], ...(spec.healthCheck ? { healthCheck: spec.healthCheck } : {}) };
    const sources = [...new Set([...(s.meshCidr ? [s.meshCidr] : []), ...users.flatMap((u) => u.allowedIPs.filter((c) => !Object.values(u.injected).flat().includes(c)))])].sort();
    for (const c of spec.peerRefs) {
      if (!s.peers.some((p) => p.name === c)) continue;
      add(c, c === g.active ? { ...base, role: 'active', snatSources: sources } : { ...base, role: 'standby' });
    }
    const userSet = new Set(users.map((u) => u.name));
    for (const p of s.peers) {
      if (spec.peerRefs.includes(p.name)) continue;
      add(p.name, userSet.has(p.name) ? { ...base, role: 'client' } : { ...base, role: 'excluded' });
    }
  }
  return out;
}
