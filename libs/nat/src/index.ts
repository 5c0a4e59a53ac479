// libs/nat: STUN codec, server and client, NAT behaviour discovery, hole punching and
// birthday-paradox port prediction. Pure core: sockets come in through the UdpPort interface.
export { type TransportAddress, formatAddress, parseAddress, sameAddress, ipToBytes, ipFromBytes } from './net/address';
export { MAGIC_COOKIE, HEADER_LENGTH, STUN_PORT, StunClass, BINDING_METHOD, AttrType, isComprehensionRequired } from './stun/constants';
export { StunError, NotStunError, StunDecodeError, type StunDecodeReason, StunEncodeError } from './stun/errors';
export { type StunAttribute, type AddressKind } from './stun/attributes';
export { type StunMessage, type EncodeOptions, decodeStun, encodeStun, verifyIntegrity, findAttribute, isModern, messageType } from './stun/message';
export { type BindingRequestOptions, type BindingResult, bindingRequest, newTransactionId, readBindingResult } from './stun/binding';
