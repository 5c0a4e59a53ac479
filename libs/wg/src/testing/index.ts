export { FakeWireGuardBackend, renderDeviceState } from './fake-backend';
export { FakeUdpNetwork } from './fake-udp';
export { FakeUapiServer } from './fake-uapi-server';
