/**
 * IP addresses and CIDR blocks as values: parsing with precise errors, canonical text, containment
 * and overlap. Pure; used by the planner and by resource validation so both agree on what a CIDR is.
 */

/** An address family. */
export type IpFamily = 4 | 6;

/** A parsed CIDR block; `base` has every host bit cleared. */
export interface Cidr {
  family: IpFamily;
  /** Network address as an unsigned integer (32 or 128 bits). */
  base: bigint;
  prefix: number;
}

/** Result of parsing: the value, or a reason a person can act on. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses an IPv4 dotted quad or an IPv6 literal (no zone, no brackets) into family and integer. */
export function parseIp(text: string): Parsed<{ family: IpFamily; value: bigint }> {
  if (text.includes(':')) {
    const v = parseIpv6(text);
    return v === undefined ? { ok: false, reason: `"${text}" is not an IPv6 address` } : { ok: true, value: { family: 6, value: v } };
  }
  const v = parseIpv4(text);
  return v === undefined ? { ok: false, reason: `"${text}" is not an IPv4 address` } : { ok: true, value: { family: 4, value: v } };
}

/**
 * Parses `addr/prefix`. Host bits must be zero (`10.0.0.1/24` is refused, as it is almost always a
 * typo for a /32 or for `10.0.0.0/24`).
 */
export function parseCidr(text: string): Parsed<Cidr> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `"${text}" has no /prefix` };
  const ip = parseIp(text.slice(0, slash));
  if (!ip.ok) return ip;
  const width = ip.value.family === 4 ? 32 : 128;
  const prefixText = text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= width)) return { ok: false, reason: `"${text}" has a prefix outside 0..${width}` };
  const base = ip.value.value & mask(ip.value.family, prefix);
  if (base !== ip.value.value) {
    return { ok: false, reason: `"${text}" has host bits set (network is ${formatCidr({ family: ip.value.family, base, prefix })})` };
  }
  return { ok: true, value: { family: ip.value.family, base, prefix } };
}

/** Canonical text of a CIDR (IPv6 compressed per RFC 5952). */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.prefix}`;
}

/** Canonical text of an address. */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** True when the two blocks share at least one address (same family only). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask(a.family, p);
  return (a.base & m) === (b.base & m);
}

/** True when `ip` lies inside `c`. */
export function cidrContains(c: Cidr, ip: { family: IpFamily; value: bigint }): boolean {
  return c.family === ip.family && (ip.value & mask(c.family, c.prefix)) === c.base;
}

/** Number of addresses in the block, as a bigint (an IPv6 /0 does not fit a double). */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix);
}

function mask(family: IpFamily, prefix: number): bigint {
  const width = family === 4 ? 32 : 128;
  const all = (1n << BigInt(width)) - 1n;
  return all ^ ((1n << BigInt(width - prefix)) - 1n);
}

// Leading zeros are refused: "010" is octal to some parsers and decimal to others.
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Dotted quad → 32-bit value: one regex and plain numbers (the planner's hottest parse at 1000 peers). */
function parseIpv4(text: string): bigint | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    v = v * 256 + octet;
  }
  return BigInt(v);
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}
