import { networkInterfaces } from 'node:os';
import type { WireKubePeer } from '@wirekube/k8s';
import { parseCidr, parseHostPort, parseIp, cidrContains, reconcileWgEndpoint, type EndpointObservation, type HostPort, type MeshPeer, type StunView, type WgEndpointDecision } from '@wirekube/planner';
import type { NatFacts } from '../nat-report';

/** One underlay address of this node and its prefix (`10.0.1.2/24`). */
export interface LocalAddress {
  ip: string;
  cidr: string;
}

/**
 * This node's underlay addresses as `os.networkInterfaces()` reports them: no loopback, no
 * link-local, nothing on the mesh interface or inside the mesh CIDR. These are the host
 * candidates (with the WireGuard listen port) and the subnets same-LAN detection uses.
 */
export function osLocalAddresses(meshIface: string, meshCidr: string): LocalAddress[] {
  const mesh = parseCidr(meshCidr);
  const out: LocalAddress[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name === meshIface) continue;
    for (const a of addrs ?? []) {
      if (a.internal || a.family !== 'IPv4' || !a.cidr || a.address.startsWith('169.254.')) continue;
      const ip = parseIp(a.address);
      if (mesh.ok && ip.ok && cidrContains(mesh.value, ip.value)) continue;
      out.push({ ip: a.address, cidr: a.cidr });
    }
  }
  return out.sort((x, y) => (x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0));
}

/** Observations older than this no longer count (a NAT may have rebound the mapping since). */
export const OBSERVATION_MAX_AGE_MS = 10 * 60_000;

/**
 * What other nodes see of this node's WireGuard port: the endpoint in their status entry for this
 * node while their path to it is direct (WireGuard there has roamed to the source of this node's
 * packets), as of their last status write. Malformed entries are skipped. Pure.
 */
export function observationsOf(peers: readonly WireKubePeer[], self: string): EndpointObservation[] {
  const out: EndpointObservation[] = [];
  for (const p of peers) {
    const by = p.metadata?.name;
    const entry = p.status?.paths?.find((e) => e.peer === self);
    const atMs = Date.parse(p.status?.pathsUpdatedAt ?? '');
    if (!by || by === self || entry?.path !== 'direct' || !entry.endpoint || !Number.isFinite(atMs)) continue;
    const endpoint = parseHostPort(entry.endpoint);
    if (endpoint.ok) out.push({ by, endpoint: endpoint.value, atMs });
  }
  return out;
}

/** A stun-probe report as the endpoint reconciler reads it. */
export function stunViewOf(facts: NatFacts, atMs: number): StunView {
  const r = facts.report;
  return {
    ...(facts.mapped && { mapped: { host: facts.mapped.ip, port: facts.mapped.port } }),
    localPort: r.local?.port ?? 0,
    mapping: facts.natType === 'open' ? 'none' : facts.nat.mapping,
    portPreserved: r.portPreserved,
    udpBlocked: facts.natType === 'udp-blocked',
    atMs,
  };
}

/**
 * The WireGuard port's endpoint this node publishes (DESIGN §5, "the endpoint that matters"):
 * `reconcileWgEndpoint` over what peers on a direct path observe ({@link observationsOf}), the
 * pre-bind probe of the listen port, the stun-probe's report and the endpoints other nodes publish (a same-NAT neighbour on the same listen port already holding
 * `publicIp:listenPort` rules out the inferred port). Pure.
 */
export function wgEndpointOf(o: {
  listenPort: number;
  nowMs: number;
  startedAtMs: number;
  hostIps: readonly string[];
  nat?: { facts: NatFacts; atMs: number };
  preBind?: { facts: NatFacts; atMs: number };
  /** This node's name: of two nodes inferring the same endpoint, the one that sorts first keeps it. */
  nodeName: string;
  others: readonly MeshPeer[];
  observations: readonly EndpointObservation[];
}): WgEndpointDecision {
  return reconcileWgEndpoint({
    listenPort: o.listenPort,
    nowMs: o.nowMs,
    hostIps: o.hostIps,
    ...(o.nat && { ephemeral: stunViewOf(o.nat.facts, o.nat.atMs) }),
    ...(o.preBind && { preBind: stunViewOf(o.preBind.facts, o.preBind.atMs) }),
    networkChangedAtMs: o.startedAtMs,
    observations: o.observations,
    observationMaxAgeMs: OBSERVATION_MAX_AGE_MS,
    // Only earlier-named nodes' claims count: two nodes that see each other's identical claim would
    // otherwise both withdraw, both claim again, and rewrite their specs forever.
    othersPublished: o.others.flatMap((p): HostPort[] => (p.endpoint && p.name < o.nodeName ? [p.endpoint] : [])),
  });
}
