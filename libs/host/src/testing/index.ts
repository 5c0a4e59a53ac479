export { FakeHost } from './fake-host';
export { FakeIptables } from './fake-iptables';
