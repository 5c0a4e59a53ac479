import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { PathKind, type AgentAdminServer, type AgentStatus, type Explanation, type NatReport, type PeerInfo } from '@wirekube/proto';
import type { AgentState } from './agent';
import { protoNatType } from './nat-report';

const PATH_KIND = { direct: PathKind.PATH_KIND_DIRECT, relay: PathKind.PATH_KIND_RELAY, down: PathKind.PATH_KIND_DOWN } as const;

/** Every planned remote peer with its path, reason and counters, sorted by node name. Pure. */
export function peerInfos(s: AgentState): PeerInfo[] {
  const remote = new Map((s.view?.peers ?? []).map((p) => [p.name, p]));
  return (s.plan?.peers ?? []).map((p) => {
    const path = s.paths.get(p.node)?.state ?? { kind: 'down' as const, reason: 'not evaluated yet' };
    const st = s.stats.get(p.publicKey);
    return {
      nodeName: p.node,
      publicKey: p.publicKey,
      path: PATH_KIND[path.kind],
      reason: path.reason,
      endpoint: path.kind === 'down' ? undefined : { ip: path.endpoint.host, port: path.endpoint.port },
      allowedIps: p.allowedIps,
      remoteNat: protoNatType(remote.get(p.node)?.natType ?? 'unknown'),
      lastHandshakeMs: st?.lastHandshakeMs ?? 0,
      rxBytes: st?.rxBytes ?? 0,
      txBytes: st?.txBytes ?? 0,
    };
  });
}

/** The node summary returned by GetStatus. Pure. */
export function agentStatus(s: AgentState, o: { nodeName: string; publicKey: string; version: string }): AgentStatus {
  const peers = peerInfos(s);
  const count = (k: PathKind) => peers.filter((p) => p.path === k).length;
  return {
    nodeName: o.nodeName,
    publicKey: o.publicKey,
    interfaceName: s.mesh?.interfaceName ?? '',
    listenPort: s.mesh?.listenPort ?? 0,
    meshIp: s.meshIp ?? '',
    nat: s.nat?.report,
    relaySessions: s.relaySessions,
    peersTotal: peers.length,
    peersDirect: count(PathKind.PATH_KIND_DIRECT),
    peersRelay: count(PathKind.PATH_KIND_RELAY),
    peersDown: count(PathKind.PATH_KIND_DOWN),
    version: o.version,
    startedAtMs: s.startedAtMs,
    backend: s.backend ?? '',
  };
}

/**
 * Why the path to `peer` (node name or public key) is what it is. Undefined when the agent does
 * not plan such a peer. Pure.
 */
export function explain(s: AgentState, peer: string): Explanation | undefined {
  const info = peerInfos(s).find((p) => p.nodeName === peer || p.publicKey === peer);
  if (!info) return undefined;
  const steps = [
    `mesh relay mode: ${s.mesh?.relay.mode ?? 'unknown'}`,
    `this node's relay sessions: ${s.relaySessions.length ? s.relaySessions.join(', ') : 'none'}`,
    `path: ${PathKind[info.path] ?? info.path} — ${info.reason}`,
    info.lastHandshakeMs ? `last WireGuard handshake ${new Date(info.lastHandshakeMs).toISOString()}` : 'no WireGuard handshake yet',
  ];
  if (s.endpointSource) steps.push(`this node publishes its WireGuard endpoint from ${s.endpointSource.source}: ${s.endpointSource.reason}`);
  const wouldChange: string[] = [];
  if (info.path === PathKind.PATH_KIND_DOWN) wouldChange.push('both nodes holding a session on a common relay replica would make the pair usable through the relay');
  if (info.path === PathKind.PATH_KIND_RELAY && /birthday attack disabled/.test(info.reason)) wouldChange.push('enabling the birthday attack (WireKubeMesh natTraversal.birthdayAttack, or the wirekube.io/birthday-attack annotation) would let the pair try a direct path');
  if (info.path === PathKind.PATH_KIND_RELAY && /relay\.mode=always/.test(info.reason)) wouldChange.push('relay.mode=auto would let the pair try a direct path');
  if (info.path === PathKind.PATH_KIND_DIRECT) wouldChange.push('a direct path that stops carrying traffic (one way or both) moves back to the relay within about 2 s, and is re-probed with backoff');
  return { peer: info, localNat: s.nat?.report, remoteNat: undefined as NatReport | undefined, steps, wouldChange };
}

/** The AgentAdmin gRPC implementation over the agent's live state. */
export function adminServer(state: () => AgentState, o: { nodeName: string; publicKey: string; version: string }): AgentAdminServer {
  return {
    getStatus: (_call, cb) => cb(null, agentStatus(state(), o)),
    listPeers: (_call, cb) => cb(null, { peers: peerInfos(state()) }),
    explain: (call, cb) => {
      const e = explain(state(), call.request.peer);
      if (e) cb(null, e);
      else cb({ code: GrpcStatus.NOT_FOUND, details: `no peer named or keyed "${call.request.peer}" in this node's plan` } as ServiceError, null);
    },
  };
}
