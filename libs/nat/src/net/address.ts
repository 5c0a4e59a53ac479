import { isIPv4, isIPv6 } from 'node:net';

/** A UDP transport address: IP in text form (IPv4 dotted quad or IPv6) and a port 0..65535. */
export interface TransportAddress {
  readonly ip: string;
  readonly port: number;
}

/** Renders `ip:port`, bracketing IPv6 (`[::1]:3478`). */
export function formatAddress(a: TransportAddress): string {
  return isIPv6(a.ip) ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/** True when both addresses have the same IP and port. */
export function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && a.ip === b.ip;
}

/**
 * Parses `host:port` / `[v6]:port` with a literal IP. Returns undefined for anything else
 * (names must be resolved by the caller, which owns DNS).
 */
export function parseAddress(text: string, defaultPort?: number): TransportAddress | undefined {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const ip = m?.[1];
  if (!m || !ip || !(isIPv4(ip) || isIPv6(ip))) return undefined;
  const port = m[2] !== undefined ? Number(m[2]) : defaultPort;
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { ip: isIPv6(ip) ? ipFromBytes(ipToBytes(ip)) : ip, port };
}

/** The 4 or 16 network-order bytes of a literal IP. Throws RangeError for a non-IP string. */
export function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new RangeError(`not an IP address: ${ip}`);
  let text = ip;
  const out = Buffer.alloc(16);
  // An embedded dotted quad (::ffff:1.2.3.4) fills the last 4 bytes.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tailBytes: Buffer | undefined;
  if (quad?.[1]) {
    tailBytes = ipToBytes(quad[1]);
    text = text.slice(0, -quad[1].length) + '0:0';
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tailBytes) tailBytes.copy(out, 12);
  return out;
}

/** Formats 4 or 16 network-order bytes; IPv6 in RFC 5952 form (lowercase, longest zero run as `::`). */
export function ipFromBytes(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
