/**
 * STUN wire constants. Numbers are from RFC 8489 §18 (IANA registry), RFC 5780 §7 and the classic
 * RFC 3489 §11.2 attributes that RFC 5389 retired but RFC 3489 clients still send and expect.
 */

/** RFC 5389 §6: the fixed value in bytes 4..8 that marks a modern STUN message. */
export const MAGIC_COOKIE = 0x2112a442;

/** Size of the fixed STUN header in bytes. */
export const HEADER_LENGTH = 20;

/** The default STUN port (RFC 8489 §18.6). */
export const STUN_PORT = 3478;

/** The message class encoded in bits C0/C1 of the message type (RFC 8489 §5). */
export const StunClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;
/** One of {@link StunClass}. */
export type StunClass = (typeof StunClass)[keyof typeof StunClass];

/** The only method WireKube speaks (RFC 8489 §18.2). */
export const BINDING_METHOD = 0x001;

/** Attribute type codes. Values below 0x8000 are comprehension-required. */
export const AttrType = {
  MappedAddress: 0x0001,
  /** RFC 3489 only: where the server should send the response. WireKube never honours it. */
  ResponseAddress: 0x0002,
  ChangeRequest: 0x0003,
  /** RFC 3489 only: the server's sending address. */
  SourceAddress: 0x0004,
  /** RFC 3489 only: the server's alternate address (RFC 5780 renamed it OTHER-ADDRESS). */
  ChangedAddress: 0x0005,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  XorMappedAddress: 0x0020,
  Padding: 0x0026,
  ResponsePort: 0x0027,
  Software: 0x8022,
  Fingerprint: 0x8028,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
} as const;

/** RFC 8489 §14.7: FINGERPRINT is the CRC-32 of the message XOR-ed with this value ("STUN"). */
export const FINGERPRINT_XOR = 0x5354554e;

/** True when `type` is comprehension-required (RFC 8489 §14). */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/** Reason phrases for the error codes this code base sends (RFC 8489 §14.8). */
export const ERROR_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  420: 'Unknown Attribute',
  500: 'Server Error',
};
