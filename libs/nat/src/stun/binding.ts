import type { Rng } from '@wirekube/util';
import type { TransportAddress } from '../net/address';
import type { StunAttribute } from './attributes';
import { BINDING_METHOD, MAGIC_COOKIE, StunClass } from './constants';
import { findAttribute, type StunMessage } from './message';

/** Options of a Binding request. */
export interface BindingRequestOptions {
  transactionId: Buffer;
  /** RFC 5780 / RFC 3489 CHANGE-REQUEST flags; omitted when both are false. */
  changeIp?: boolean;
  changePort?: boolean;
  /** Ask for a classic RFC 3489 request: `transactionId` is then bytes 8..20 and `classicCookie` bytes 4..8. */
  classicCookie?: number;
  software?: string;
}

/** A fresh 12-byte transaction id (RFC 8489 §6: uniformly random). */
export function newTransactionId(rng: Rng): Buffer {
  return rng.bytes(12);
}

/** Builds a Binding request, optionally with CHANGE-REQUEST. */
export function bindingRequest(o: BindingRequestOptions): StunMessage {
  const attributes: StunAttribute[] = [];
  if (o.software) attributes.push({ kind: 'software', text: o.software });
  if (o.changeIp || o.changePort) attributes.push({ kind: 'change-request', changeIp: !!o.changeIp, changePort: !!o.changePort });
  return { method: BINDING_METHOD, cls: StunClass.Request, cookie: o.classicCookie ?? MAGIC_COOKIE, transactionId: o.transactionId, attributes };
}

/** What a Binding success response tells the client. */
export interface BindingResult {
  /** XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from servers that only send that. */
  mapped: TransportAddress;
  /** RESPONSE-ORIGIN, or RFC 3489 SOURCE-ADDRESS. */
  origin?: TransportAddress;
  /** OTHER-ADDRESS, or RFC 3489 CHANGED-ADDRESS. */
  other?: TransportAddress;
}

/**
 * Extracts the addresses of a Binding success response, preferring the RFC 5389/5780 attributes
 * and falling back to their RFC 3489 ancestors. Undefined when no mapped address is present.
 */
export function readBindingResult(msg: StunMessage): BindingResult | undefined {
  const mapped = findAttribute(msg, 'xor-mapped-address')?.address ?? findAttribute(msg, 'mapped-address')?.address;
  if (!mapped) return undefined;
  const origin = findAttribute(msg, 'response-origin')?.address ?? findAttribute(msg, 'source-address')?.address;
  const other = findAttribute(msg, 'other-address')?.address ?? findAttribute(msg, 'changed-address')?.address;
  return { mapped, ...(origin && { origin }), ...(other && { other }) };
}
