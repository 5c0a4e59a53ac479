// The WireKube gRPC contracts, generated from proto/ by `npm run gen:proto` (ts-proto, grpc-js).
// Never edit src/gen by hand: the freshness test fails when it differs from a regeneration.
export { protobufPackage, protobufFileName, type DeepPartial, type Exact, type MessageFns } from './gen/wirekube/v1/nat';
export * from './gen/wirekube/v1/nat';
export * from './gen/wirekube/v1/stun_probe';
export * from './gen/wirekube/v1/relay_control';
export * from './gen/wirekube/v1/gateway_control';
export * from './gen/wirekube/v1/agent_admin';
