import { cidrContains, parseCidr, parseIp, type MeshPeer } from '@wirekube/planner';

/**
 * The peers as the planner should see them on this node: every AllowedIPs entry this node must not
 * route through the mesh is removed, from routes and WireGuard alike (pure):
 * - `withheld`: gateway route CIDRs of a WireKubeGateway whose `clientRefs` leave this node out
 *   (GatewayControl role EXCLUDED);
 * - entries containing one of `ownAddresses` (the node's InternalIP): a gateway's route covers the
 *   subnet its candidates sit in, so a standby or demoted candidate would otherwise send its own
 *   LAN through the active gateway. The controller refuses such routes for clients, but candidates
 *   are allowed inside them, so the guard lives here.
 * Peers whose entries are all kept are returned as they are.
 */
export function routablePeers(peers: readonly MeshPeer[], o: { withheld: ReadonlySet<string>; ownAddresses: readonly string[] }): MeshPeer[] {
  const own = o.ownAddresses.map((a) => parseIp(a)).flatMap((p) => (p.ok ? [p.value] : []));
  const keep = (text: string) => {
    if (o.withheld.has(text)) return false;
    const c = parseCidr(text);
    return !c.ok || !own.some((ip) => cidrContains(c.value, ip));
  };
  return peers.map((p) => (p.allowedIps.every(keep) ? p : { ...p, allowedIps: p.allowedIps.filter(keep) }));
}
