/** Routing table holding every route WireKube installs. */
export const ROUTE_TABLE = 22347;
/** fwmark on WireGuard's own UDP socket and the relay sockets: their packets bypass the mesh table. */
export const WIREGUARD_FWMARK = 0x574b;
/** Priority of `fwmark 0x574B lookup main`: WireGuard's own packets never loop into the tunnel. */
export const RULE_PRIORITY_FWMARK = 100;
/** Priority of `to <api-server> lookup main`: the control-plane path is never captured. */
export const RULE_PRIORITY_API_SERVER = 150;
/** Priority of `lookup 22347` for everything else. */
export const RULE_PRIORITY_MESH = 200;
/** Metric of WireKube routes, so an equal route from the CNI in the same table would win. */
export const ROUTE_METRIC = 200;
