/** Routing table holding every mesh route (0x574B, "WK"). */
export const MESH_TABLE = 22347;
/** Mark on WireGuard's and the relay sockets' packets, so they bypass the mesh table. */
export const MESH_FWMARK = 0x574b;
/** `fwmark 0x574B → main`: WireGuard's own encrypted packets never loop into the tunnel. */
export const RULE_PRIO_FWMARK = 100;
/** `to <api-server>/32 → main`: the API server path is never captured by the mesh. */
export const RULE_PRIO_API_SERVER = 150;
/** `all → 22347`: everything else consults the mesh table (which only holds mesh routes). */
export const RULE_PRIO_MESH = 200;
/** The main routing table id. */
export const MAIN_TABLE = 254;
/**
 * Route and rule protocol number marking what WireKube installed ('W'). Appliers only ever
 * delete entries carrying it, and cleanup removes exactly those.
 */
export const WIREKUBE_PROTO = 87;
/** Name of the nat-table chain holding WireKube's SNAT rules. */
export const SNAT_CHAIN = 'WIREKUBE-POSTROUTING';
/** Comment prefix on every iptables rule WireKube installs. */
export const IPTABLES_TAG = 'wirekube';
