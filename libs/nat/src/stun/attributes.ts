import { ipFromBytes, ipToBytes, type TransportAddress } from '../net/address';
import { AttrType } from './constants';
import { StunDecodeError, StunEncodeError } from './errors';

/** Attributes whose value is a transport address. */
export type AddressKind =
  | 'mapped-address'
  | 'xor-mapped-address'
  | 'response-origin'
  | 'other-address'
  | 'changed-address'
  | 'source-address'
  | 'response-address';

/**
 * One decoded STUN attribute. Known attributes are parsed and validated; anything else is kept
 * as `other` with its raw value so a server can tell comprehension-required ones apart.
 */
export type StunAttribute =
  | { kind: AddressKind; address: TransportAddress }
  | { kind: 'change-request'; changeIp: boolean; changePort: boolean }
  | { kind: 'response-port'; port: number }
  | { kind: 'padding'; length: number }
  | { kind: 'software' | 'username'; text: string }
  | { kind: 'error-code'; code: number; reason: string }
  | { kind: 'unknown-attributes'; types: number[] }
  | { kind: 'message-integrity'; hmac: Buffer }
  | { kind: 'fingerprint'; crc: number }
  | { kind: 'other'; type: number; value: Buffer };

const ADDRESS_TYPES: Record<AddressKind, number> = {
  'mapped-address': AttrType.MappedAddress,
  'xor-mapped-address': AttrType.XorMappedAddress,
  'response-origin': AttrType.ResponseOrigin,
  'other-address': AttrType.OtherAddress,
  'changed-address': AttrType.ChangedAddress,
  'source-address': AttrType.SourceAddress,
  'response-address': AttrType.ResponseAddress,
};
const ADDRESS_KINDS = new Map(Object.entries(ADDRESS_TYPES).map(([k, t]) => [t, k as AddressKind]));

/** The numeric type of an attribute. */
export function attributeType(a: StunAttribute): number {
  switch (a.kind) {
    case 'change-request':
      return AttrType.ChangeRequest;
    case 'response-port':
      return AttrType.ResponsePort;
    case 'padding':
      return AttrType.Padding;
    case 'software':
      return AttrType.Software;
    case 'username':
      return AttrType.Username;
    case 'error-code':
      return AttrType.ErrorCode;
    case 'unknown-attributes':
      return AttrType.UnknownAttributes;
    case 'message-integrity':
      return AttrType.MessageIntegrity;
    case 'fingerprint':
      return AttrType.Fingerprint;
    case 'other':
      return a.type;
    default:
      return ADDRESS_TYPES[a.kind];
  }
}

/** The XOR key for XOR-MAPPED-ADDRESS (RFC 8489 §14.2): cookie, then cookie ‖ transaction id for IPv6. */
function xorKey(cookie: number, transactionId: Buffer): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(cookie >>> 0, 0);
  transactionId.copy(key, 4);
  return key;
}

function describe(type: number, offset: number): string {
  return `attribute 0x${type.toString(16).padStart(4, '0')} at offset ${offset}`;
}

function decodeAddress(type: number, v: Buffer, offset: number, xor: Buffer | undefined): TransportAddress {
  if (v.length < 4) {
    throw new StunDecodeError('bad-attribute-length', `${describe(type, offset)}: address needs ≥ 4 bytes, got ${v.length}`);
  }
  const family = v[1];
  const want = family === 0x01 ? 8 : family === 0x02 ? 20 : 0;
  if (want === 0) throw new StunDecodeError('bad-address-family', `${describe(type, offset)}: unknown address family ${family}`);
  if (v.length !== want) {
    throw new StunDecodeError('bad-attribute-length', `${describe(type, offset)}: IPv${family === 1 ? 4 : 6} address must be ${want} bytes, got ${v.length}`);
  }
  if (!xor) return { ip: ipFromBytes(v.subarray(4)), port: v.readUInt16BE(2) };
  const ip = Buffer.from(v.subarray(4));
  for (let i = 0; i < ip.length; i++) ip[i]! ^= xor[i]!;
  return { ip: ipFromBytes(ip), port: v.readUInt16BE(2) ^ xor.readUInt16BE(0) };
}

function exact(type: number, v: Buffer, offset: number, lengths: number[]): void {
  if (!lengths.includes(v.length)) {
    throw new StunDecodeError('bad-attribute-length', `${describe(type, offset)}: value must be ${lengths.join(' or ')} bytes, got ${v.length}`);
  }
}

/**
 * Decodes one attribute value. `offset` (of the attribute header in the message) only feeds error
 * messages. Throws {@link StunDecodeError} on a malformed value of a known attribute.
 */
export function decodeAttribute(type: number, v: Buffer, offset: number, cookie: number, transactionId: Buffer): StunAttribute {
  const addressKind = ADDRESS_KINDS.get(type);
  if (addressKind) {
    const xor = type === AttrType.XorMappedAddress ? xorKey(cookie, transactionId) : undefined;
    return { kind: addressKind, address: decodeAddress(type, v, offset, xor) };
  }
  switch (type) {
    case AttrType.ChangeRequest: {
      exact(type, v, offset, [4]);
      // RFC 5780 §7.2 / RFC 3489 §11.2.4: bit A (0x4) changes the IP, bit B (0x2) the port.
      const flags = v.readUInt32BE(0);
      return { kind: 'change-request', changeIp: (flags & 0x4) !== 0, changePort: (flags & 0x2) !== 0 };
    }
    case AttrType.ResponsePort:
      // RFC 5780 §7.5: a 16-bit port then 2 bytes of padding; some stacks send just the 2 bytes.
      exact(type, v, offset, [2, 4]);
      return { kind: 'response-port', port: v.readUInt16BE(0) };
    case AttrType.Padding:
      return { kind: 'padding', length: v.length };
    case AttrType.Software:
      return { kind: 'software', text: v.toString('utf8') };
    case AttrType.Username:
      return { kind: 'username', text: v.toString('utf8') };
    case AttrType.ErrorCode: {
      if (v.length < 4) throw new StunDecodeError('bad-attribute-length', `${describe(type, offset)}: ERROR-CODE needs ≥ 4 bytes, got ${v.length}`);
      const cls = v[2]! & 0x07;
      const num = v[3]!;
      if (cls < 3 || cls > 6 || num > 99) {
        throw new StunDecodeError('bad-error-code', `${describe(type, offset)}: class ${cls} number ${num} is not a 300..699 code`);
      }
      return { kind: 'error-code', code: cls * 100 + num, reason: v.subarray(4).toString('utf8') };
    }
    case AttrType.UnknownAttributes: {
      if (v.length % 2 !== 0) throw new StunDecodeError('bad-attribute-length', `${describe(type, offset)}: UNKNOWN-ATTRIBUTES length ${v.length} is odd`);
      const types: number[] = [];
      for (let i = 0; i < v.length; i += 2) types.push(v.readUInt16BE(i));
      return { kind: 'unknown-attributes', types };
    }
    case AttrType.MessageIntegrity:
      exact(type, v, offset, [20]);
      return { kind: 'message-integrity', hmac: Buffer.from(v) };
    case AttrType.Fingerprint:
      exact(type, v, offset, [4]);
      return { kind: 'fingerprint', crc: v.readUInt32BE(0) };
    default:
      return { kind: 'other', type, value: Buffer.from(v) };
  }
}

function encodeAddress(a: TransportAddress, xor: Buffer | undefined): Buffer {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new StunEncodeError(`port ${a.port} out of range`);
  let ip: Buffer;
  try {
    ip = ipToBytes(a.ip);
  } catch (err) {
    throw new StunEncodeError(`cannot encode address ${a.ip}`, { cause: err });
  }
  const out = Buffer.alloc(4 + ip.length);
  out[1] = ip.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE(xor ? a.port ^ xor.readUInt16BE(0) : a.port, 2);
  for (let i = 0; i < ip.length; i++) out[4 + i] = xor ? ip[i]! ^ xor[i]! : ip[i]!;
  return out;
}

/** Encodes one attribute's value (without header or padding). */
export function encodeAttributeValue(a: StunAttribute, cookie: number, transactionId: Buffer): Buffer {
  switch (a.kind) {
    case 'change-request': {
      const v = Buffer.alloc(4);
      v.writeUInt32BE((a.changeIp ? 0x4 : 0) | (a.changePort ? 0x2 : 0));
      return v;
    }
    case 'response-port': {
      const v = Buffer.alloc(4);
      if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new StunEncodeError(`RESPONSE-PORT ${a.port} out of range`);
      v.writeUInt16BE(a.port);
      return v;
    }
    case 'padding':
      return Buffer.alloc(a.length);
    case 'software':
    case 'username':
      return Buffer.from(a.text, 'utf8');
    case 'error-code': {
      if (!Number.isInteger(a.code) || a.code < 300 || a.code > 699) throw new StunEncodeError(`error code ${a.code} outside 300..699`);
      const reason = Buffer.from(a.reason, 'utf8');
      const v = Buffer.alloc(4 + reason.length);
      v[2] = Math.floor(a.code / 100);
      v[3] = a.code % 100;
      reason.copy(v, 4);
      return v;
    }
    case 'unknown-attributes': {
      const v = Buffer.alloc(a.types.length * 2);
      a.types.forEach((t, i) => v.writeUInt16BE(t, i * 2));
      return v;
    }
    case 'message-integrity':
    case 'fingerprint':
      throw new StunEncodeError(`${a.kind} is computed by the encoder; request it through the encode options`);
    case 'other':
      return a.value;
    default:
      return encodeAddress(a.address, a.kind === 'xor-mapped-address' ? xorKey(cookie, transactionId) : undefined);
  }
}
