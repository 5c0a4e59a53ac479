import type { MeshConfig, MeshPeer, PathState } from '@wirekube/planner';
import type { Logger } from '@wirekube/util';
import { WgKey } from '@wirekube/wg';
import { decidePath, samePath } from './path-policy';
import type { RelayPort } from './relay-link';

/** The current path to one remote node, since when, and its key (to release its proxy). */
export interface PathEntry {
  state: PathState;
  sinceMs: number;
  key: string;
}

/**
 * Re-decides the path to every remote peer from the relay's current evidence and updates `paths`
 * in place (an entry's `sinceMs` moves only when the path or its reason changes). Peers that left
 * lose their entry and their relay proxy endpoint.
 */
export async function updatePaths(o: { paths: Map<string, PathEntry>; peers: readonly MeshPeer[]; mesh: MeshConfig; relay?: RelayPort; nowMs: number; logger: Logger }): Promise<void> {
  const { paths, relay } = o;
  const wanted = new Set<string>();
  for (const p of o.peers) {
    if (p.terminating) continue;
    wanted.add(p.name);
    const key = WgKey.fromBase64(p.publicKey).bytes();
    const localRelayUp = relay?.localUp() ?? false;
    const remotePresent = relay?.present(key) ?? false;
    let relayEndpoint = relay?.endpoint(key);
    // Opened as soon as this node has a session, before the peer is present: a handshake the
    // peer sends first must find an endpoint here, or WireGuard waits out its 5 s rekey timeout.
    if (relay && localRelayUp && !relayEndpoint) relayEndpoint = await relay.open(key);
    const next = decidePath({ relayMode: o.mesh.relay.mode, localRelayUp, remotePresent, ...(relayEndpoint && { relayEndpoint }) });
    if (!samePath(paths.get(p.name)?.state, next)) {
      o.logger.info('path changed', { peer: p.name, path: next.kind, reason: next.reason });
      paths.set(p.name, { state: next, sinceMs: o.nowMs, key: p.publicKey });
    }
  }
  for (const [name, entry] of paths) {
    if (wanted.has(name)) continue;
    paths.delete(name);
    relay?.forget(WgKey.fromBase64(entry.key).bytes());
  }
}
