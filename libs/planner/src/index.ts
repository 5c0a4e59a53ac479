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
