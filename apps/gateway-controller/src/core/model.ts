/**
 * Plain inputs and outputs of the controller's pure core. The Kubernetes adapter fills the inputs
 * from informers; nothing here knows about Kubernetes or gRPC.
 */

/** A WireKubeGateway as the core reads it: unvalidated spec text plus identity and the status it had. */
export interface GatewayInput {
  name: string;
  generation: number;
  /** ms since epoch; older gateways win route overlaps. */
  createdAtMs: number;
  peerRefs: string[];
  clientRefs: string[];
  routes: Array<{ cidr: string; description?: string }>;
  snat: { enabled: boolean; sourceIp?: string };
  healthCheck?: { target: string; intervalSeconds: number; timeoutSeconds: number; failureThreshold: number };
  /** status.activePeer as last written ('' when none) — the incumbent after a controller restart. */
  previousActive: string;
  /** When this controller first saw the gateway: candidates get one evidence window from then. */
  firstSeenMs?: number;
}

/** A WireKubePeer as the core reads it, plus the addresses of its Node. */
export interface PeerInput {
  name: string;
  allowedIPs: string[];
  /** CIDRs this controller injected earlier (from the peer's annotation), per gateway. */
  injected: Record<string, string[]>;
  /** The node's own addresses (InternalIP/ExternalIP, endpoint host, mesh address). */
  addresses: string[];
}

/** The latest health report of one candidate for one gateway. */
export interface HealthEntry {
  healthy: boolean;
  consecutiveFailures: number;
  detail: string;
  latencyMs: number;
  /** When the agent probed (its clock). */
  probedAtMs: number;
  /** When the controller received the report (its clock) — freshness is judged on this. */
  receivedAtMs: number;
}

/** Everything one reconcile looks at. */
export interface ControllerSnapshot {
  nowMs: number;
  /** When this controller became leader: reports older than that do not exist yet. */
  leaderSinceMs: number;
  meshCidr?: string;
  gateways: GatewayInput[];
  peers: PeerInput[];
  /** gateway → node → latest report. */
  health: ReadonlyMap<string, ReadonlyMap<string, HealthEntry>>;
  /** Nodes whose agent currently holds an assignment stream. */
  connectedAgents: ReadonlySet<string>;
}

/** A status condition without its transition time (the status writer keeps that stable). */
export interface ConditionValue {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Health verdict of one candidate. */
export interface CandidateVerdict {
  peer: string;
  state: 'healthy' | 'unhealthy' | 'unknown';
  consecutiveFailures: number;
  lastProbeMs?: number;
  reason: string;
}
