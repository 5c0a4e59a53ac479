import type { Condition, PeerStatus } from '@wirekube/k8s';
import type { PathState } from '@wirekube/planner';
import type { AgentState } from './agent';
import { buildStatus, STATUS_DETAIL_MAX_PEERS, type PeerView } from './status-model';

/**
 * This node's WireKubePeer status from the agent's state: one view per planned peer (path, since,
 * handshake, bytes from the last counter read), the NAT report, and the conditions. Pure.
 */
export function agentStatusOf(s: AgentState, o: { nodeName: string; nowMs: number; handshakeFreshMs: number; previous?: PeerStatus }): PeerStatus {
  const views: PeerView[] = (s.plan?.peers ?? []).map((p) => {
    const path = s.paths.get(p.node) ?? { state: { kind: 'down', reason: 'not evaluated yet' } as PathState, sinceMs: s.startedAtMs };
    const st = s.stats.get(p.publicKey);
    return { node: p.node, path: path.state, sinceMs: path.sinceMs, lastHandshakeMs: st?.lastHandshakeMs ?? 0, rxBytes: st?.rxBytes ?? 0, txBytes: st?.txBytes ?? 0 };
  });
  return buildStatus({
    nowMs: o.nowMs,
    ...(s.nat && { nat: { natType: s.nat.natType, nat: s.nat.nat, method: 'stun' as const } }),
    peers: views,
    handshakeFreshMs: o.handshakeFreshMs,
    conditions: conditionsOf(s, o.nodeName),
    ...(o.previous && { previous: o.previous }),
    maxDetailPeers: STATUS_DETAIL_MAX_PEERS,
  });
}

/**
 * `SpecValid` (this node's own object translated) and `PeersIgnored` (which peers were left out of
 * the plan and why: invalid content, duplicate keys, AllowedIPs conflicts). Pure.
 */
export function conditionsOf(s: AgentState, nodeName: string): Omit<Condition, 'lastTransitionTime'>[] {
  const own = s.view?.invalid.get(nodeName) ?? ownConflict(s, nodeName);
  const ignored = [...(s.view?.invalid.entries() ?? [])].filter(([n]) => n !== nodeName);
  const problems = [...ignored.map(([, p]) => p.message), ...(s.plan?.problems ?? []).map((p) => `${p.node}: ${p.reason}: ${p.message}`)];
  return [
    own
      ? { type: 'SpecValid', status: 'False', reason: own.reason, message: own.message.slice(0, 1024) }
      : { type: 'SpecValid', status: 'True', reason: 'Valid', message: 'spec accepted' },
    problems.length
      ? { type: 'PeersIgnored', status: 'True', reason: 'InvalidPeers', message: problems.join('; ').slice(0, 1024) }
      : { type: 'PeersIgnored', status: 'False', reason: 'AllPeersValid', message: 'every peer was planned' },
  ];
}

/**
 * Whether this node's own (valid) spec loses a conflict the other agents resolve against it: a peer
 * whose name sorts first (the planner's claim order) already uses its public key or one of its
 * AllowedIPs, so every other node leaves this node out. Pure.
 */
function ownConflict(s: AgentState, nodeName: string): { reason: string; message: string } | undefined {
  const peers = [...(s.view?.peers ?? [])].filter((p) => !p.terminating).sort((a, b) => (a.name < b.name ? -1 : 1));
  const self = peers.find((p) => p.name === nodeName);
  if (!self) return undefined;
  for (const p of peers) {
    if (p.name >= nodeName) break;
    if (p.publicKey === self.publicKey) return { reason: 'DuplicatePublicKey', message: `publicKey is already used by ${p.name}` };
    const clash = self.allowedIps.find((c) => p.allowedIps.includes(c));
    if (clash) return { reason: 'AllowedIPsConflict', message: `allowedIPs ${clash} is already claimed by ${p.name}; other nodes leave this node out` };
  }
  return undefined;
}
