// libs/nat: STUN codec, server and client, NAT behaviour discovery, hole punching and
// birthday-paradox port prediction. Pure core: sockets come in through the UdpPort interface.
export { type TransportAddress, formatAddress, parseAddress, sameAddress, ipToBytes, ipFromBytes } from './net/address';
export { MAGIC_COOKIE, HEADER_LENGTH, STUN_PORT, StunClass, BINDING_METHOD, AttrType, isComprehensionRequired } from './stun/constants';
export { StunError, NotStunError, StunDecodeError, type StunDecodeReason, StunEncodeError } from './stun/errors';
export { type StunAttribute, type AddressKind } from './stun/attributes';
export { type StunMessage, type EncodeOptions, decodeStun, encodeStun, verifyIntegrity, findAttribute, isModern, messageType } from './stun/message';
export { type BindingRequestOptions, type BindingResult, bindingRequest, newTransactionId, readBindingResult } from './stun/binding';
export { type DatagramHandler, type UdpPort, type BindOptions, type UdpPortFactory } from './net/udp-port';
export { type DgramPortOptions, openDgramPort } from './net/dgram-port';
export { type Dependence, type PortAllocation, type NatType, type NatBehaviour, familiarType } from './nat/behaviour';
export { StunServer, type StunServerOptions, type StunServerSockets, type StunServerStats } from './server/stun-server';
export { stunTransaction, type StunReply, type TransactionTiming } from './discovery/transaction';
export { inferAllocation, type PortSample, type AllocationInference, MAX_SEQUENTIAL_DELTA } from './discovery/allocation';
export { discoverNat, type DiscoveryOptions, type DiscoveryReport, DEFAULT_DISCOVERY_TIMEOUT_MS, DEFAULT_ALLOCATION_SAMPLES } from './discovery/discover';
export { type PunchPacket, PROBE_LENGTH, encodeProbe, decodeProbe } from './punch/probe-packet';
export { type PortRange, DEFAULT_PORT_RANGE, birthdaySuccessProbability, probesForProbability, predictedPorts, birthdayCandidatePorts } from './punch/birthday';
export { spray, type SprayOptions, type SprayWin } from './punch/sprayer';
export { planPunch, type CandidateKind, type Candidate, type PunchSide, type PlanOptions, type PunchPlan, type DirectPlan, type BirthdayPlan, type RelayPlan } from './punch/planner';
export { executePunch, type ExecuteOptions } from './punch/executor';
export { gatherCandidates, CANDIDATE_PRIORITY } from './punch/candidates';
