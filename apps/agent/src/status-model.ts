import type { Condition, PeerPath, PeerStatus } from '@wirekube/k8s';
import type { NatBehaviour, NatType, PathState } from '@wirekube/planner';

/** One remote peer as the status reports it. */
export interface PeerView {
  node: string;
  path: PathState;
  /** Unix ms when the path last changed. */
  sinceMs: number;
  lastHandshakeMs: number;
  rxBytes: number;
  txBytes: number;
}

/** Everything the agent's own WireKubePeer status is computed from. */
export interface StatusInputs {
  nowMs: number;
  nat?: { natType: NatType; nat?: NatBehaviour; method: 'stun' | 'none' };
  peers: readonly PeerView[];
  /** Handshakes older than this do not count as a working tunnel (WireGuard's REJECT_AFTER_TIME). */
  handshakeFreshMs: number;
  /** Extra conditions (e.g. SpecValid), keyed by type. */
  conditions: ReadonlyArray<Omit<Condition, 'lastTransitionTime'>>;
  /** The status currently on the object, to keep lastTransitionTime of unchanged conditions. */
  previous?: PeerStatus;
  /**
   * Per-peer `paths` and the moving counters (bytes, handshake times, `pathsUpdatedAt`) are
   * published only while the node has at most this many peers. Beyond it the status carries only
   * slow summary facts, so a large mesh's statuses do not change in steady state (DESIGN §11: the
   * objects every agent watches must not carry N fast-moving entries); the per-peer table stays
   * available from the agent's admin service and metrics.
   */
  maxDetailPeers: number;
}

/** Per-peer detail in status up to this many peers (see {@link StatusInputs.maxDetailPeers}). */
export const STATUS_DETAIL_MAX_PEERS = 64;

/**
 * Computes this node's WireKubePeer status. `connected` is true only when every remote peer has a
 * usable path and a handshake fresher than `handshakeFreshMs` — a route alone proves nothing. Pure.
 */
export function buildStatus(i: StatusInputs): PeerStatus {
  const iso = (ms: number) => new Date(ms).toISOString();
  const summary = { direct: 0, relay: 0, none: 0 };
  let unhealthy: string | undefined;
  let lastHs = 0;
  let rx = 0;
  let tx = 0;
  const detail = i.peers.length <= i.maxDetailPeers;
  const paths: PeerPath[] = [];
  for (const p of [...i.peers].sort((a, b) => (a.node < b.node ? -1 : 1))) {
    const kind = p.path.kind === 'down' ? 'none' : p.path.kind;
    summary[kind]++;
    lastHs = Math.max(lastHs, p.lastHandshakeMs);
    rx += p.rxBytes;
    tx += p.txBytes;
    const fresh = p.lastHandshakeMs > 0 && i.nowMs - p.lastHandshakeMs <= i.handshakeFreshMs;
    if (!unhealthy && p.path.kind === 'down') unhealthy = `${p.node}: ${p.path.reason}`;
    else if (!unhealthy && !fresh) unhealthy = `${p.node}: no WireGuard handshake over the ${p.path.kind} path yet`;
    if (detail) {
      paths.push({
        peer: p.node,
        path: kind,
        reason: p.path.reason.slice(0, 256),
        ...(p.path.kind !== 'down' && { endpoint: `${p.path.endpoint.host}:${p.path.endpoint.port}` }),
        since: iso(p.sinceMs),
        ...(p.lastHandshakeMs > 0 && { lastHandshake: iso(p.lastHandshakeMs) }),
      });
    }
  }
  const connected = unhealthy === undefined;
  const ready: Omit<Condition, 'lastTransitionTime'> = unhealthy === undefined
    ? { type: 'Connected', status: 'True', reason: 'AllPeersReachable', message: `${i.peers.length} peer(s) reachable with a fresh handshake` }
    : { type: 'Connected', status: 'False', reason: 'PeersUnreachable', message: unhealthy.slice(0, 1024) };
  const conditions = [ready, ...i.conditions].map((c) => withTransition(c, i.previous?.conditions, iso(i.nowMs)));
  return {
    connected,
    natType: i.nat?.natType ?? 'unknown',
    ...(i.nat?.nat && { nat: i.nat.nat }),
    endpointDiscoveryMethod: i.nat?.method ?? 'none',
    pathSummary: summary,
    ...(detail && { paths, pathsUpdatedAt: iso(i.nowMs), ...(lastHs > 0 && { lastHandshake: iso(lastHs) }), rxBytes: rx, txBytes: tx }),
    conditions,
  };
}

function withTransition(c: Omit<Condition, 'lastTransitionTime'>, previous: Condition[] | undefined, now: string): Condition {
  const before = previous?.find((p) => p.type === c.type);
  return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now };
}

/**
 * The part of a status other agents plan from (NAT facts, discovery method) and this node's own
 * spec validity: a change is written after the min gap whatever the mesh size.
 */
export function planningKey(s: PeerStatus): string {
  return JSON.stringify([s.natType, s.nat, s.endpointDiscoveryMethod, s.conditions?.find((c) => c.type === 'SpecValid')?.status]);
}

/**
 * The part of a status whose change is worth a write soon: everything but counters and
 * timestamps that move on their own (bytes, handshake times, `pathsUpdatedAt`).
 */
export function materialKey(s: PeerStatus): string {
  return JSON.stringify({
    connected: s.connected,
    natType: s.natType,
    nat: s.nat,
    method: s.endpointDiscoveryMethod,
    summary: s.pathSummary,
    paths: s.paths?.map((p) => [p.peer, p.path, p.reason, p.endpoint]),
    conditions: s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
  });
}
