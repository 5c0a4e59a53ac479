import type { HostPort, PathState, RelayMode } from '@wirekube/planner';

/** What the path policy knows about one remote peer. Issue 9 adds direct-path evidence here. */
export interface PathEvidence {
  relayMode: RelayMode;
  /** This agent holds a session with at least one relay replica. */
  localRelayUp: boolean;
  /** Some replica this agent is connected to has the remote peer present. */
  remotePresent: boolean;
  /** The local relay proxy's loopback endpoint for the remote peer, once opened. */
  relayEndpoint?: HostPort;
}

/**
 * Decides how traffic to one remote peer travels, relay first (DESIGN §5): the pair is relayed as
 * soon as both ends hold a relay session, because presence on a shared replica is proof that the
 * relay can deliver. Otherwise the peer is `down` with the precise missing piece as the reason.
 * Pure; the reasons are what `kubectl get wkpeer -o yaml` and `Explain` show.
 */
export function decidePath(e: PathEvidence): PathState {
  if (e.relayMode === 'never') return { kind: 'down', reason: 'relay disabled by the mesh (relay.mode=never) and no direct path proven' };
  if (!e.localRelayUp) return { kind: 'down', reason: 'no relay session from this node yet' };
  if (!e.remotePresent) return { kind: 'down', reason: 'peer holds no session on a relay replica this node reaches' };
  if (!e.relayEndpoint) return { kind: 'down', reason: 'relay proxy endpoint for the peer is being opened' };
  return { kind: 'relay', endpoint: e.relayEndpoint, reason: 'relay-first: both ends hold a relay session' };
}

/** True when two path states would produce the same plan and status (reason included). */
export function samePath(a: PathState | undefined, b: PathState | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind !== b.kind || a.reason !== b.reason) return false;
  if (a.kind === 'down' || b.kind === 'down') return true;
  return a.endpoint.host === b.endpoint.host && a.endpoint.port === b.endpoint.port;
}
