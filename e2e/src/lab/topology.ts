import { WireKubeError } from '@wirekube/util';

/**
 * How a site's router treats traffic (RFC 4787 terms in brackets). Every NAT router drops
 * unsolicited inbound WAN traffic that its filtering behaviour does not admit.
 * - `public`: no router at all; the site's nodes sit on the internet segment with public addresses.
 * - `port-restricted`: Linux MASQUERADE, port-preserving when free [endpoint-independent mapping,
 *   address-and-port-dependent filtering].
 * - `address-restricted`: same mapping; inbound admitted from any port of an address the mapping
 *   has sent to [address-dependent filtering].
 * - `full-cone`: same mapping; inbound admitted from anyone once the mapping exists
 *   [endpoint-independent filtering].
 * - `symmetric`: MASQUERADE fully-random — a new random port per destination
 *   [address-and-port-dependent mapping and filtering].
 * - `symmetric-sequential`: a new port per destination, allocated sequentially (+1 per new mapping,
 *   from 20000) — the case the birthday/port-prediction attack exploits.
 * - `udp-blocked`: port-restricted for TCP, all UDP egress dropped (the relay-only case).
 */
export type NatType =
  | 'public'
  | 'port-restricted'
  | 'address-restricted'
  | 'full-cone'
  | 'symmetric'
  | 'symmetric-sequential'
  | 'udp-blocked';

/** All NAT types, in a stable order. */
export const NAT_TYPES: readonly NatType[] = [
  'public',
  'port-restricted',
  'address-restricted',
  'full-cone',
  'symmetric',
  'symmetric-sequential',
  'udp-blocked',
];

/** One site: a router namespace with a NAT behaviour and a LAN of node namespaces. */
export interface SiteSpec {
  /** Unique among sites, nodes and services; `[a-z][a-z0-9-]*`, at most 20 characters. */
  name: string;
  nat: NatType;
  /**
   * Puts a carrier-grade NAT with this behaviour in front of the site's router (double NAT). The
   * home router's WAN then sits on a carrier LAN (100.64.<i>.0/24). Not allowed with `public`.
   */
  carrier?: Exclude<NatType, 'public'>;
  /**
   * UDP hairpinning: LAN hosts reach each other through the site's public address and mapped
   * ports (the target sees the sender's public address). Default false, like plain Linux
   * MASQUERADE and many home routers. Not with `public` or `carrier`.
   */
  hairpin?: boolean;
  /**
   * Puts every member on its own LAN segment behind the one router (member j in 10.<i>.<j>.0/24,
   * the router at .1 of each and routing between them, like a home or office with several
   * segments): the members are behind the same NAT without sharing a LAN. Not with `public`.
   */
  subnetPerMember?: boolean;
  /** Mesh-member node namespaces on the LAN (order decides addresses: .10, .11, …). */
  nodes: readonly string[];
  /** Non-member hosts on the same LAN (e.g. a VPC's workloads), addresses .100, .101, … */
  hosts?: readonly string[];
}

/** Service hosts on the internet segment. */
export type ServiceName = 'stun' | 'relay' | 'api';

/** A lab topology, as plain data. */
export interface TopologySpec {
  sites: readonly SiteSpec[];
  /** Service hosts to create; default all of `stun` (two addresses), `relay`, `api`. */
  services?: readonly ServiceName[];
}

/** Thrown for a topology spec that cannot be built; the message names the offending field. */
export class TopologyError extends WireKubeError {
  constructor(message: string) {
    super('LAB_BAD_TOPOLOGY', message);
  }
}

/** The internet segment: one flat on-link /16 shared by routers, public nodes and services. */
export const INTERNET_PREFIX_LEN = 16;

/** Fixed service addresses on the internet segment. The STUN host has two (RFC 5780 needs two). */
export const SERVICE_ADDRS: Readonly<Record<ServiceName, readonly string[]>> = {
  stun: ['198.18.0.10', '198.18.0.11'],
  relay: ['198.18.0.20'],
  api: ['198.18.0.30'],
};

const NAME_RE = /^[a-z][a-z0-9-]{0,19}$/;
const MAX_SITES = 200;
const MAX_NODES = 89;

/**
 * Checks a spec and throws {@link TopologyError} on the first problem: bad or duplicate names,
 * empty sites, too many sites or nodes, unknown NAT or service, `carrier` on a public site.
 */
export function validateTopology(spec: TopologySpec): void {
  const seen = new Set<string>(spec.services ?? ['stun', 'relay', 'api']);
  for (const s of spec.services ?? []) {
    if (!(s in SERVICE_ADDRS)) throw new TopologyError(`services: unknown service "${s}"`);
  }
  if (spec.sites.length > MAX_SITES) throw new TopologyError(`sites: at most ${MAX_SITES}`);
  const claim = (name: string, where: string) => {
    if (!NAME_RE.test(name)) throw new TopologyError(`${where}: name "${name}" must match ${NAME_RE}`);
    if (seen.has(name)) throw new TopologyError(`${where}: name "${name}" is already used`);
    seen.add(name);
  };
  for (const site of spec.sites) {
    claim(site.name, 'site');
    if (!NAT_TYPES.includes(site.nat)) throw new TopologyError(`site ${site.name}: unknown nat "${site.nat}"`);
    if (site.carrier !== undefined) {
      if (site.nat === 'public') throw new TopologyError(`site ${site.name}: a public site cannot sit behind a carrier NAT`);
      if (!NAT_TYPES.includes(site.carrier) || (site.carrier as NatType) === 'public') {
        throw new TopologyError(`site ${site.name}: bad carrier "${site.carrier}"`);
      }
    }
    if (site.subnetPerMember && site.nat === 'public') throw new TopologyError(`site ${site.name}: subnetPerMember needs a NAT router (not public)`);
    if (site.hairpin && (site.nat === 'public' || site.carrier !== undefined)) {
      throw new TopologyError(`site ${site.name}: hairpin needs a single NAT router (not public, no carrier)`);
    }
    const members = [...site.nodes, ...(site.hosts ?? [])];
    if (members.length === 0) throw new TopologyError(`site ${site.name}: needs at least one node or host`);
    if (site.nodes.length > MAX_NODES || (site.hosts ?? []).length > MAX_NODES) {
      throw new TopologyError(`site ${site.name}: at most ${MAX_NODES} nodes and ${MAX_NODES} hosts`);
    }
    for (const n of members) claim(n, `site ${site.name}`);
  }
}
