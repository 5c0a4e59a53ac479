import { WireKubeError } from '@wirekube/util';

/**
 * A violation of the relay data-channel protocol (malformed, oversized or unexpected frame).
 * `code` is what the relay reports in its ERROR frame and counts in its drop metrics.
 */
export class RelayProtocolError extends WireKubeError {}

/** A failed proof of possession or a malformed key; `code` is "auth-failed" or "bad-key". */
export class RelayAuthError extends WireKubeError {}
