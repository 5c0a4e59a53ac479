export {
  RELAY_PROTOCOL_VERSION,
  REGISTER_MAGIC,
  FRAME_HEADER_BYTES,
  KEY_BYTES,
  MAX_PAYLOAD,
  FrameType,
  type RegisterFrame,
  type FrameHandler,
  encodeFrame,
  encodeRegister,
  decodeRegister,
  encodeAddressed,
  writeAddressed,
  addressedFrameBytes,
  encodeError,
  decodeError,
  FrameDecoder,
} from './frame-codec';
export {
  NONCE_BYTES,
  type RawKeyPair,
  privateKeyFromRaw,
  publicKeyFromRaw,
  publicKeyOf,
  generateRawKeyPair,
  computeProof,
  verifyProof,
} from './auth';
export { type FairQueueLimits, type EnqueueResult, FairQueue } from './fair-queue';
export { chooseReplica } from './replica-choice';
export { RelayProtocolError, RelayAuthError } from './errors';
