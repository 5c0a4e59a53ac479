export type {
  HostPort,
  RelayMode,
  RelayTransport,
  NatType,
  NatBehaviourKind,
  PortPattern,
  NatBehaviour,
  MeshConfig,
  MeshPeer,
  GatewayRoute,
  GatewayHealthCheck,
  Gateway,
} from './domain';
export {
  type IpFamily,
  type Cidr,
  type Parsed,
  parseIp,
  parseCidr,
  formatCidr,
  formatIp,
  cidrsOverlap,
  cidrContains,
  cidrSize,
} from './domain-cidr';
export { parseHostPort, formatHostPort } from './domain-host-port';
export * from './constants';
export { deriveMeshIp, type MeshIpClaim, type MeshIpResult } from './mesh-ip';
export {
  planNode,
  hostCidr,
  type PathState,
  type NodeSnapshot,
  type PlannedPeer,
  type PlannedRoute,
  type PlannedRule,
  type PlanProblem,
  type NodePlan,
} from './node-plan';
export { renderPlan } from './plan-text';
export { initialPathState, stepPath } from './path/path-machine';
export { DEFAULT_MAX_PUNCHING, PathDriver, type PathDriverOptions, type PathInput } from './path/path-driver';
export { DEFAULT_PATH_TUNING, type PathTuning, type PairMode, type PathEvent, type PathAction, type PathPhase, type PeerPathState, type PathStep } from './path/path-types';
export { decidePair, birthdayAllowed, punchSideOfPeer, type PairInput, type PairDecision } from './path/pair-decision';
export { reconcileWgEndpoint, type WgEndpointInput, type WgEndpointDecision, type WgEndpointSource, type EndpointObservation, type StunView } from './path/wg-endpoint';
