import { memoByText } from '@wirekube/util';
import { canonicalCidr, formatIp, parseCidr } from '@wirekube/wg';
import { MAIN_TABLE, MESH_TABLE, RULE_PRIO_API_SERVER, RULE_PRIO_FWMARK, RULE_PRIO_MESH, WIREKUBE_PROTO } from './constants';

/**
 * A desired mesh route in the mesh table: `<dst> dev <dev> [src <src>]`, or a `throw <dst>` that
 * sends lookups for that prefix back to the next rule (how excluded CIDRs stay on main).
 */
export interface RouteSpec {
  /** Default `unicast`. */
  type?: 'unicast' | 'throw';
  /** CIDR, canonicalised by the applier. */
  dst: string;
  /** Required for unicast routes; absent for throw routes. */
  dev?: string;
  /** Preferred source address (the node's mesh address). */
  src?: string;
  /** Route metric (RTA_PRIORITY); default 0. */
  metric?: number;
}

/** A route as read from the kernel. */
export interface RouteEntry extends RouteSpec {
  table: number;
  /** Route protocol; {@link WIREKUBE_PROTO} marks ours. */
  proto: number;
}

/** A desired policy rule: `prio P [fwmark M] [to CIDR] lookup T`. */
export interface RuleSpec {
  /** Address family; default 6 when `to` is an IPv6 prefix, else 4. */
  family?: 4 | 6;
  priority: number;
  fwmark?: number;
  /** Destination CIDR. */
  to?: string;
  table: number;
}

/** A rule as read from the kernel. */
export interface RuleEntry extends RuleSpec {
  proto: number;
}

/** Desired state of the mesh interface (which the WireGuard backend created). */
export interface LinkSpec {
  name: string;
  /** Addresses as `ip/len`, e.g. `100.96.0.1/32` or `fd00:96::1/128`. */
  addresses: string[];
  mtu: number;
  up: boolean;
}

/** The mesh interface as read from the kernel. */
export interface LinkState {
  name: string;
  index: number;
  mtu: number;
  up: boolean;
  /** IPv4 and global IPv6 addresses as `ip/len` (link-local IPv6 is the kernel's, not ours). */
  addresses: string[];
}

/** One SNAT/MASQUERADE rule for traffic a gateway forwards out of the mesh. */
export interface SnatRule {
  /** Source CIDR of the forwarded traffic (e.g. the mesh CIDR). */
  source: string;
  /** Destination CIDR it applies to (e.g. a VPC range); all when absent. */
  destination?: string;
  /** Outgoing interface; any when absent. */
  outInterface?: string;
  /** Translate to this address (SNAT); MASQUERADE when absent. */
  toSource?: string;
}

// The kernel stores IPv6 routes added without a metric at 1024 (IP6_RT_PRIO_USER), IPv4 ones at 0.
const defaultMetric = (dst: string) => (dst.includes(':') ? 1024 : 0);

/** The metric the kernel will hold for `r`. */
export function effectiveMetric(r: RouteSpec): number {
  return r.metric || defaultMetric(r.dst);
}

/** Canonical identity of a route (what must match for "already there"), in `ip route` words. */
export function routeKey(r: RouteSpec): string {
  const m = effectiveMetric(r);
  const metric = m !== defaultMetric(r.dst) ? ` metric ${m}` : '';
  if (r.type === 'throw') return `throw ${canonicalCidr(r.dst)}${metric}`;
  return `${canonicalCidr(r.dst)} dev ${r.dev ?? '-'}${r.src ? ` src ${canonicalSrc(r.src)}` : ''}${metric}`;
}

/** Every mesh route carries the same source address: canonicalize each distinct one once. */
const canonicalSrc = memoByText((src) => formatIp(parseCidr(src).addr), 256);

/** The address family of a rule. */
export function ruleFamily(r: RuleSpec): 4 | 6 {
  return r.family ?? (r.to?.includes(':') ? 6 : 4);
}

/** Canonical identity of a rule (`inet6 ` first for IPv6 rules). */
export function ruleKey(r: RuleSpec): string {
  return `${ruleFamily(r) === 6 ? 'inet6 ' : ''}${ruleBody(r)}`;
}

function ruleBody(r: RuleSpec): string {
  const parts = [`prio ${r.priority}`];
  if (r.fwmark !== undefined) parts.push(`fwmark 0x${r.fwmark.toString(16)}`);
  if (r.to !== undefined) parts.push(`to ${canonicalCidr(r.to)}`);
  parts.push(`lookup ${tableName(r.table)}`);
  return parts.join(' ');
}

/** `ip route add …` text of a route; foreign protocols are shown so snapshots reveal them. */
export function renderRoute(r: RouteEntry): string {
  const proto = r.proto === WIREKUBE_PROTO ? '' : ` proto ${r.proto}`;
  return `ip ${r.dst.includes(':') ? '-6 ' : ''}route add ${routeKey(r)} table ${tableName(r.table)}${proto}`;
}

/** `ip rule add …` text of a rule. */
export function renderRule(r: RuleEntry): string {
  const proto = r.proto === WIREKUBE_PROTO ? '' : ` proto ${r.proto}`;
  return `ip ${ruleFamily(r) === 6 ? '-6 ' : ''}rule add ${ruleBody(r)}${proto}`;
}

/** `ip link` / `ip addr` text of the mesh interface. */
export function renderLink(l: LinkState | undefined, name: string): string[] {
  if (!l) return [`ip link absent ${name}`];
  return [`ip link set ${l.name} mtu ${l.mtu} ${l.up ? 'up' : 'down'}`, ...[...l.addresses].sort().map((a) => `ip addr add ${a} dev ${l.name}`)];
}

function tableName(t: number): string {
  return t === MAIN_TABLE ? 'main' : String(t);
}

/**
 * The policy rules of a node (DESIGN §4): WireGuard's marked packets use main, the API server's
 * address uses main (so the mesh can never capture it), everything else consults the mesh table.
 * With `ipv6`, the fwmark and mesh rules are installed for IPv6 too (for IPv6 AllowedIPs).
 */
export function meshRules(opts: { fwmark: number; apiServer?: string; table?: number; ipv6?: boolean }): RuleSpec[] {
  const rules: RuleSpec[] = [];
  for (const family of opts.ipv6 ? ([4, 6] as const) : ([4] as const)) {
    rules.push({ family, priority: RULE_PRIO_FWMARK, fwmark: opts.fwmark, table: MAIN_TABLE });
    rules.push({ family, priority: RULE_PRIO_MESH, table: opts.table ?? MESH_TABLE });
  }
  if (opts.apiServer) rules.push({ priority: RULE_PRIO_API_SERVER, to: canonicalCidr(opts.apiServer), table: MAIN_TABLE });
  return rules;
}
