export { RelayClientError } from './errors';
export { DataChannel, type DataChannelOptions } from './data-channel';
export { ControlSession, type ControlIdentity, type ControlHandlers } from './control-session';
export { ReplicaLink, replicaAddressId, type ReplicaAddress, type ReplicaEvents, type ReplicaLinkOptions } from './replica-link';
export { type ReplicaResolver, staticReplicas, dnsReplicas } from './replica-resolver';
export {
  RelayClient,
  DEFAULT_RELAY_CLIENT_TUNING,
  type RelayClientOptions,
  type IncomingPunch,
  type RelayTransport,
} from './relay-client';
export { type ProxySocket, type ProxySocketFactory, epermSafeProxySockets, PROXY_SOCKET_BUFFER_BYTES } from './proxy-socket';
export { RelayProxy, type RelayProxyOptions, type RelayProxyCounters } from './relay-proxy';
