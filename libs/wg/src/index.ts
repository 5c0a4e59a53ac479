export { WG_KEY_LEN, WgKey, InvalidKeyError, generatePrivateKey, publicKeyOf } from './key/key';
export { KeyFileError, type NodeKeys, loadOrCreateKey, readKeyFile, writeKeyFile, removeKeyFile } from './key/key-file';
export {
  type Cidr, type Endpoint, InvalidAddressError, parseIp, formatIp, parseCidr, formatCidr, canonicalCidr,
  parseEndpoint, formatEndpoint, canonicalEndpoint,
} from './config/ip';
export { type PeerConfig, type DeviceConfig, type PeerState, type DeviceState, type DeviceUpdate, type PeerUpdate, isEmptyUpdate } from './config/model';
export { type PlanOptions, planDeviceUpdate } from './config/diff';
export { InvalidConfigError, normalizeDeviceConfig } from './config/validate';
export { type WireGuardBackend, type BackendProvider, BackendUnavailableError, BackendError, openBackend } from './backend';
export { type PeerStats, type SetOptions, WireGuardDevice } from './device';
export { UapiProtocolError, UapiErrnoError, encodeUapiSet, parseUapiGet } from './uapi/codec';
export { UAPI_SOCKET_DIR, type UapiBackendOptions, uapiSocketPath, UapiBackend } from './uapi/uapi-backend';
export { GenlDecodeError, encodeSetDevice, encodeGetDevice, decodeDeviceDump } from './genl/codec';
export { type GenlTransport, openWireGuardGenl, KernelBackend, KernelProvider, ensureWireGuardLink } from './genl/kernel-backend';
export { type ChildLike, type SpawnFn, type WireguardGoOptions, WireguardGoSupervisor, WireGuardGoStartError, socketReady } from './userspace/supervisor';
export { UserspaceProvider } from './userspace/provider';
export { type UdpPeer, type UdpSocket, type UdpSocketFactory, dgramSocketFactory } from './udp/udp-port';
export { type EpermSafeStats, type EpermSafeOptions, EpermSafeUdpSocket } from './udp/eperm-safe-socket';
export { instrumentBackend, epermCounter, daemonRestartCounter } from './metrics';
