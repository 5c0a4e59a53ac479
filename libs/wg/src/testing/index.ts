export { FakeWireGuardBackend, renderDeviceState } from './fake-backend';
export { FakeUdpNetwork } from './fake-udp';
