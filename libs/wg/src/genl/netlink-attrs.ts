// Netlink attribute framing (TLV, 4-byte aligned) and the sockaddr payloads WireGuard uses.
// Netlink integers are host-endian; every platform WireKube runs on (x86-64, arm64) is
// little-endian, which the writers below assume. Ports and addresses inside a sockaddr are in
// network order.
import { WireKubeError } from '@wirekube/util';
import { formatEndpoint, formatIp, parseEndpoint, parseIp } from '../config/ip';

/** Address families as Linux numbers them. */
export const AF_INET = 2;
export const AF_INET6 = 10;
const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

/** A kernel message that does not decode. */
export class GenlDecodeError extends WireKubeError {
  constructor(message: string) {
    super('genl-decode', message);
  }
}

/** One netlink attribute. */
export interface Attr {
  type: number;
  nested: boolean;
  data: Buffer;
}

/** Encodes one attribute (header, payload, padding to 4 bytes). */
export function attr(type: number, payload: Buffer, nested = false): Buffer {
  const len = 4 + payload.length;
  if (len > 0xffff) throw new WireKubeError('genl-encode', `attribute ${type} too long (${len} bytes)`);
  const h = Buffer.alloc(4);
  h.writeUInt16LE(len, 0);
  h.writeUInt16LE(type | (nested ? NLA_F_NESTED : 0), 2);
  return Buffer.concat([h, payload, Buffer.alloc((4 - (len % 4)) % 4)]);
}

/** Splits a buffer into attributes; throws {@link GenlDecodeError} on truncation. */
export function parseAttrs(buf: Buffer): Attr[] {
  const out: Attr[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    const t = buf.readUInt16LE(off + 2);
    if (len < 4 || off + len > buf.length) throw new GenlDecodeError(`attribute at offset ${off} has bad length ${len}`);
    out.push({ type: t & NLA_TYPE_MASK, nested: (t & NLA_F_NESTED) !== 0, data: buf.subarray(off + 4, off + len) });
    off += (len + 3) & ~3;
  }
  if (off < buf.length) throw new GenlDecodeError(`trailing bytes at offset ${off}`);
  return out;
}

/** A host-endian (little-endian) u16 payload. */
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

/** A host-endian (little-endian) u32 payload. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** A NUL-terminated string payload. */
export function str(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}

/** Encodes a `struct sockaddr_in` / `sockaddr_in6` (port and address in network order). */
export function encodeSockaddr(endpoint: string): Buffer {
  const e = parseEndpoint(endpoint);
  const ip = parseIp(e.host);
  const b = Buffer.alloc(ip.length === 4 ? 16 : 28);
  b.writeUInt16LE(ip.length === 4 ? AF_INET : AF_INET6, 0);
  b.writeUInt16BE(e.port, 2);
  ip.copy(b, ip.length === 4 ? 4 : 8); // sockaddr_in6 has sin6_flowinfo before the address
  return b;
}

/** Decodes a sockaddr; `undefined` for AF_UNSPEC (a peer without endpoint). */
export function decodeSockaddr(b: Buffer): string | undefined {
  if (b.length < 2) throw new GenlDecodeError('sockaddr shorter than its family');
  const family = b.readUInt16LE(0);
  if (family === 0) return undefined;
  if (family === AF_INET && b.length >= 16) return formatEndpoint({ host: formatIp(b.subarray(4, 8)), port: b.readUInt16BE(2) });
  if (family === AF_INET6 && b.length >= 28) return formatEndpoint({ host: formatIp(b.subarray(8, 24)), port: b.readUInt16BE(2) });
  throw new GenlDecodeError(`sockaddr family ${family} with ${b.length} bytes`);
}

