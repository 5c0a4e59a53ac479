import { isIPv4, isIPv6 } from 'node:net';
import { memoByText, WireKubeError } from '@wirekube/util';

/** An address, prefix or endpoint string that does not parse. */
export class InvalidAddressError extends WireKubeError {
  constructor(message: string) {
    super('invalid-address', message);
  }
}

/** A parsed IP prefix with its host bits cleared. */
export interface Cidr {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  addr: Buffer;
  prefix: number;
}

/** Parses an IPv4/IPv6 literal to its network-order bytes. */
export function parseIp(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (isIPv6(text)) return parseIpv6(text);
  throw new InvalidAddressError(`not an IP address: ${JSON.stringify(text)}`);
}

/** Formats 4 or 16 network-order bytes; IPv6 in RFC 5952 form (as Go and iproute2 print it). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new InvalidAddressError(`address must be 4 or 16 bytes, got ${bytes.length}`);
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // RFC 5952 §4.2: compress the longest run (first on ties) of two or more zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Parses `addr/prefix` (a bare address means a host prefix) and clears the host bits, as the
 * kernel and wireguard-go do when storing AllowedIPs.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  const family = addr.length === 4 ? 4 : 6;
  const max = addr.length * 8;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new InvalidAddressError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  const prefix = Number(prefixText);
  for (let bit = prefix; bit < max; bit++) addr[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { family, addr, prefix };
}

/** Formats a prefix as `addr/len`. */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.addr)}/${c.prefix}`;
}

// Dotted quad without leading zeros, octets captured: what Go, iproute2 and we print.
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const CANONICAL_V4_CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(3[0-2]|[12]?\\d)$`);
const CANONICAL_V4_ENDPOINT = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}:([1-9]\\d{0,4})$`);

/**
 * Parses and re-formats a prefix, e.g. `10.0.0.7/24` → `10.0.0.0/24`. Remembered by text: an agent
 * canonicalizes every AllowedIP and route of 1000 peers on each reconcile (docs/scale.md).
 */
export const canonicalCidr = memoByText(canonicalize);

function canonicalize(text: string): string {
  // Fast path for the common, already canonical IPv4 form.
  const m = CANONICAL_V4_CIDR.exec(text);
  if (m) {
    const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    const prefix = Number(m[5]);
    const hostBits = prefix === 32 ? 0 : (0xffffffff >>> prefix) >>> 0;
    if ((addr & hostBits) === 0) return text;
  }
  return formatCidr(parseCidr(text));
}

/** A UDP endpoint. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Parses `1.2.3.4:51822` or `[fd00::1]:51822` (IP literals only; no DNS here). */
export function parseEndpoint(text: string): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new InvalidAddressError(`not an ip:port endpoint: ${JSON.stringify(text)}`);
  const bytes = parseIp(m[1] ?? m[2]);
  if (m[1] !== undefined && bytes.length !== 16) throw new InvalidAddressError(`brackets around an IPv4 address: ${text}`);
  return { host: formatIp(bytes), port };
}

/** Formats an endpoint, bracketing IPv6 hosts. */
export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** Parses and re-formats an endpoint so equal endpoints compare equal as strings (remembered by text). */
export const canonicalEndpoint = memoByText(canonicalizeEndpoint);

function canonicalizeEndpoint(text: string): string {
  const m = CANONICAL_V4_ENDPOINT.exec(text);
  if (m && Number(m[5]) <= 65535) return text;
  return formatEndpoint(parseEndpoint(text));
}

function parseIpv6(text: string): Buffer {
  let head = text;
  const out = Buffer.alloc(16);
  const tail4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let groupsLimit = 8;
  if (tail4) {
    parseIp(tail4[1]).copy(out, 12);
    head = text.slice(0, -tail4[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
    groupsLimit = 6;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(groupsLimit - l.length - r.length).fill('0'), ...r];
  groups.slice(0, groupsLimit).forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  return out;
}
