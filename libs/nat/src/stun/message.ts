import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { attributeType, decodeAttribute, encodeAttributeValue, type StunAttribute } from './attributes';
import { AttrType, BINDING_METHOD, FINGERPRINT_XOR, HEADER_LENGTH, MAGIC_COOKIE, StunClass } from './constants';
import { NotStunError, StunDecodeError, StunEncodeError } from './errors';

/**
 * A STUN message. `cookie` is bytes 4..8 of the header: {@link MAGIC_COOKIE} for RFC 5389/8489
 * messages; anything else means a classic RFC 3489 message, whose 128-bit transaction id is
 * `cookie ‖ transactionId` and must be echoed as is.
 */
export interface StunMessage {
  readonly method: number;
  readonly cls: StunClass;
  readonly cookie: number;
  /** 12 bytes (bytes 8..20 of the header). */
  readonly transactionId: Buffer;
  readonly attributes: readonly StunAttribute[];
}

/** What {@link encodeStun} appends after the attributes. */
export interface EncodeOptions {
  /** Append MESSAGE-INTEGRITY keyed with this (short-term: the password bytes; RFC 8489 §9.1). */
  integrityKey?: Buffer;
  /** Append FINGERPRINT (RFC 8489 §14.7). */
  fingerprint?: boolean;
}

/** True for a modern (RFC 5389+) message, false for a classic RFC 3489 one. */
export function isModern(msg: Pick<StunMessage, 'cookie'>): boolean {
  return msg.cookie >>> 0 === MAGIC_COOKIE;
}

/** The RFC 8489 §5 interleaving of method bits M0..M11 and class bits C0/C1. */
export function messageType(method: number, cls: StunClass): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

function splitType(t: number): { method: number; cls: StunClass } {
  const method = (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
  const cls = (((t & 0x0010) >> 4) | ((t & 0x0100) >> 7)) as StunClass;
  return { method, cls };
}

const pad4 = (n: number) => (n + 3) & ~3;

/**
 * Decodes one datagram. Throws {@link NotStunError} when the bytes are not STUN and
 * {@link StunDecodeError} when they are STUN but malformed; never anything else. A present
 * FINGERPRINT is verified and must be the last attribute. MESSAGE-INTEGRITY is parsed but only
 * checked by {@link verifyIntegrity}, since only the caller knows the key.
 */
export function decodeStun(buf: Uint8Array): StunMessage {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER_LENGTH) throw new NotStunError('too-short', `${b.length} bytes is shorter than the 20-byte STUN header`);
  // RFC 8489 §5: the two most significant bits are zero, which tells STUN apart from other
  // protocols multiplexed on the same port.
  if ((b[0]! & 0xc0) !== 0) throw new NotStunError('top-bits-set', `first byte 0x${b[0]!.toString(16)} has its top two bits set`);
  const length = b.readUInt16BE(2);
  const cookie = b.readUInt32BE(4);
  const modern = cookie === MAGIC_COOKIE;
  if (length % 4 !== 0) throw new NotStunError('bad-length', `message length ${length} is not a multiple of 4`);
  const { method, cls } = splitType(b.readUInt16BE(0));
  if (!modern) {
    // Without the cookie we only have structure to go on: a classic (RFC 3489) Binding message
    // whose length field matches the datagram exactly. Anything else is somebody else's packet.
    if (method !== BINDING_METHOD || cls === StunClass.Indication) {
      throw new NotStunError('not-binding', `no magic cookie and type 0x${b.readUInt16BE(0).toString(16)} is not a classic Binding message`);
    }
    if (HEADER_LENGTH + length !== b.length) {
      throw new NotStunError('bad-length', `no magic cookie and length field ${length} does not match the ${b.length - HEADER_LENGTH} bytes after the header`);
    }
  } else if (HEADER_LENGTH + length !== b.length) {
    throw new StunDecodeError('length-mismatch', `length field says ${length} bytes of attributes, datagram has ${b.length - HEADER_LENGTH}`);
  }
  const transactionId = Buffer.from(b.subarray(8, 20));
  const attributes: StunAttribute[] = [];
  let off = HEADER_LENGTH;
  while (off < b.length) {
    if (off + 4 > b.length) throw new StunDecodeError('truncated-attribute', `attribute header at offset ${off} runs past the end`);
    const type = b.readUInt16BE(off);
    const len = b.readUInt16BE(off + 2);
    if (off + 4 + len > b.length) {
      throw new StunDecodeError('truncated-attribute', `attribute 0x${type.toString(16).padStart(4, '0')} at offset ${off} claims ${len} bytes, only ${b.length - off - 4} remain`);
    }
    if (attributes.at(-1)?.kind === 'fingerprint') {
      throw new StunDecodeError('attribute-after-fingerprint', `attribute 0x${type.toString(16).padStart(4, '0')} at offset ${off} follows FINGERPRINT, which must be last`);
    }
    const attr = decodeAttribute(type, b.subarray(off + 4, off + 4 + len), off, cookie, transactionId);
    if (attr.kind === 'fingerprint') {
      // The CRC covers everything before FINGERPRINT with the length field ending at it. That is
      // the received header when FINGERPRINT is last (the only valid place); otherwise patch it.
      let crc: number;
      if (off + 8 === b.length) crc = crc32(b.subarray(0, off));
      else {
        const head = Buffer.from(b.subarray(0, 4));
        head.writeUInt16BE(off + 8 - HEADER_LENGTH, 2);
        crc = crc32(b.subarray(4, off), crc32(head));
      }
      const expected = (crc ^ FINGERPRINT_XOR) >>> 0;
      if (attr.crc !== expected) {
        throw new StunDecodeError('bad-fingerprint', `FINGERPRINT 0x${attr.crc.toString(16)} does not match computed 0x${expected.toString(16)}`);
      }
    }
    attributes.push(attr);
    // Padding bytes are ignored whatever they contain (RFC 5769 vectors deliberately use spaces).
    off += 4 + pad4(len);
  }
  if (off !== b.length) throw new StunDecodeError('truncated-attribute', `last attribute's padding runs past the end`);
  return { method, cls, cookie, transactionId, attributes };
}

/** Encodes a message, appending MESSAGE-INTEGRITY and FINGERPRINT as requested. */
export function encodeStun(msg: StunMessage, opts: EncodeOptions = {}): Buffer {
  if (msg.transactionId.length !== 12) throw new StunEncodeError(`transaction id must be 12 bytes, got ${msg.transactionId.length}`);
  const parts: Buffer[] = [];
  let size = HEADER_LENGTH;
  for (const a of msg.attributes) {
    const value = encodeAttributeValue(a, msg.cookie, msg.transactionId);
    if (value.length > 0xffff) throw new StunEncodeError(`attribute ${a.kind} value of ${value.length} bytes is too long`);
    const part = Buffer.alloc(4 + pad4(value.length));
    part.writeUInt16BE(attributeType(a), 0);
    part.writeUInt16BE(value.length, 2);
    value.copy(part, 4);
    parts.push(part);
    size += part.length;
  }
  const total = size + (opts.integrityKey ? 24 : 0) + (opts.fingerprint ? 8 : 0);
  if (total - HEADER_LENGTH > 0xffff) throw new StunEncodeError(`message of ${total} bytes exceeds the 16-bit length field`);
  const out = Buffer.alloc(total);
  out.writeUInt16BE(messageType(msg.method, msg.cls), 0);
  out.writeUInt32BE(msg.cookie >>> 0, 4);
  msg.transactionId.copy(out, 8);
  let off = HEADER_LENGTH;
  for (const p of parts) off += p.copy(out, off);
  if (opts.integrityKey) {
    // RFC 8489 §14.5: the HMAC covers the message up to MESSAGE-INTEGRITY with the length field
    // already counting MESSAGE-INTEGRITY itself (but not a FINGERPRINT after it).
    out.writeUInt16BE(off + 24 - HEADER_LENGTH, 2);
    out.writeUInt16BE(AttrType.MessageIntegrity, off);
    out.writeUInt16BE(20, off + 2);
    createHmac('sha1', opts.integrityKey).update(out.subarray(0, off)).digest().copy(out, off + 4);
    off += 24;
  }
  if (opts.fingerprint) {
    out.writeUInt16BE(off + 8 - HEADER_LENGTH, 2);
    out.writeUInt16BE(AttrType.Fingerprint, off);
    out.writeUInt16BE(4, off + 2);
    out.writeUInt32BE((crc32(out.subarray(0, off)) ^ FINGERPRINT_XOR) >>> 0, off + 4);
    off += 8;
  }
  out.writeUInt16BE(off - HEADER_LENGTH, 2);
  return out;
}

/**
 * Checks MESSAGE-INTEGRITY of an encoded message against `key` (RFC 8489 §14.5). Returns false
 * when the attribute is absent or wrong. `raw` must be the exact bytes that were decoded.
 */
export function verifyIntegrity(raw: Buffer, key: Buffer): boolean {
  let off = HEADER_LENGTH;
  while (off + 4 <= raw.length) {
    const type = raw.readUInt16BE(off);
    const len = raw.readUInt16BE(off + 2);
    if (type === AttrType.MessageIntegrity) {
      if (len !== 20 || off + 24 > raw.length) return false;
      const covered = Buffer.from(raw.subarray(0, off));
      covered.writeUInt16BE(off + 24 - HEADER_LENGTH, 2);
      const mac = createHmac('sha1', key).update(covered).digest();
      return timingSafeEqual(mac, raw.subarray(off + 4, off + 24));
    }
    off += 4 + pad4(len);
  }
  return false;
}

/** The first attribute of the given kind, typed, or undefined. */
export function findAttribute<K extends StunAttribute['kind']>(msg: Pick<StunMessage, 'attributes'>, kind: K): (StunAttribute & { kind: K }) | undefined {
  return msg.attributes.find((a): a is StunAttribute & { kind: K } => a.kind === kind);
}
