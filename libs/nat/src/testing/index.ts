// Test helpers for code built on libs/nat: the in-process NAT simulator, a simulated STUN server
// and a driver that runs a simulation on a FakeClock until a promise settles.
export { SimNetwork, SimNat, type SimNatOptions, type SimNetworkOptions } from './nat-sim';
export { startSimStunServer } from './stun-fixture';
export { runUntilSettled } from './run';
