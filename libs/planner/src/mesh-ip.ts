import { createHash } from 'node:crypto';
import { cidrContains, cidrSize, formatIp, parseCidr, parseIp } from './domain-cidr';

/** An address some node has published as its mesh address. */
export interface MeshIpClaim {
  node: string;
  /** Address without prefix length. */
  ip: string;
}

/** The outcome of {@link deriveMeshIp}. */
export type MeshIpResult = { ok: true; ip: string; collisionsSkipped: number } | { ok: false; reason: string };

/**
 * Derives a node's mesh address in `meshCidr`, deterministically from its name: slot i is the
 * SHA-256 of `name#i` reduced into the block's usable range (network and broadcast excluded for
 * IPv4 blocks larger than /31). A slot claimed by another node is skipped, except that between two
 * nodes claiming one address the node whose name sorts first keeps it — so every node reaches the same
 * verdict from the same claims. A node keeps its current address while that stays valid, so
 * addresses never move under running traffic. Pure.
 */
export function deriveMeshIp(opts: { node: string; meshCidr: string; claims: readonly MeshIpClaim[]; current?: string }): MeshIpResult {
  const block = parseCidr(opts.meshCidr);
  if (!block.ok) return { ok: false, reason: `meshCIDR: ${block.reason}` };
  const c = block.value;
  const owners = new Map<string, string[]>();
  for (const claim of opts.claims) {
    if (claim.node === opts.node) continue;
    owners.set(claim.ip, [...(owners.get(claim.ip) ?? []), claim.node]);
  }
  const takenFromMe = (ip: string) => (owners.get(ip) ?? []).some((other) => other < opts.node);
  const heldByOther = (ip: string) => (owners.get(ip) ?? []).length > 0;

  if (opts.current) {
    const cur = parseIp(opts.current);
    if (cur.ok && cidrContains(c, cur.value) && !takenFromMe(opts.current)) return { ok: true, ip: opts.current, collisionsSkipped: 0 };
  }
  const size = cidrSize(c);
  const reserved = c.family === 4 && c.prefix < 31 ? 2n : 0n;
  const usable = size - reserved;
  if (usable < 1n) return { ok: false, reason: `meshCIDR ${opts.meshCidr} has no usable addresses` };
  const attempts = Number(usable < 4096n ? usable * 2n : 8192n);
  for (let i = 0; i < attempts; i++) {
    const h = BigInt(`0x${createHash('sha256').update(`${opts.node}#${i}`).digest('hex')}`);
    const ip = formatIp(c.family, c.base + (reserved ? 1n : 0n) + (h % usable));
    if (!heldByOther(ip)) return { ok: true, ip, collisionsSkipped: i };
  }
  return { ok: false, reason: `meshCIDR ${opts.meshCidr} is full: no free address for ${opts.node}` };
}
