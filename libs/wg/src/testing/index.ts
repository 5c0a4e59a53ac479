export { FakeWireGuardBackend, renderDeviceState } from './fake-backend';
