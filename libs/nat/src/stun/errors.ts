import { WireKubeError } from '@wirekube/util';

/** Base of every error the STUN codec throws; nothing else ever escapes `decodeStun`. */
export class StunError extends WireKubeError {}

/**
 * The bytes are not a STUN message at all (too short, top bits set, or a cookie-less header whose
 * length does not fit). Callers that share a socket with other protocols drop these silently.
 */
export class NotStunError extends StunError {
  constructor(
    readonly reason: 'too-short' | 'top-bits-set' | 'bad-length' | 'not-binding',
    message: string,
  ) {
    super('not-stun', message);
  }
}

/** Why a message that is STUN could not be decoded. */
export type StunDecodeReason =
  | 'length-mismatch'
  | 'truncated-attribute'
  | 'bad-attribute-length'
  | 'bad-address-family'
  | 'bad-error-code'
  | 'bad-fingerprint'
  | 'attribute-after-fingerprint';

/** The message claims to be STUN but is malformed; `reason` is stable, the message says where. */
export class StunDecodeError extends StunError {
  constructor(
    readonly reason: StunDecodeReason,
    message: string,
  ) {
    super('stun-decode', message);
  }
}

/** An encode request that cannot produce a valid message (e.g. a port out of range). */
export class StunEncodeError extends StunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('stun-encode', message, options);
  }
}
