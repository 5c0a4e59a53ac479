/**
 * Pure views over WireKubePeer objects: the per-pair paths each node publishes, the NAT
 * behaviour it reports, in the shapes the commands print. No I/O.
 */
import type { NatBehaviour, NatType, TransportAddress } from '@wirekube/nat';
import type { WireKubePeer } from '@wirekube/k8s';
import { ageOf } from './table';

/** One published path: what `from` uses to reach `to`. */
export interface PathView {
  from: string;
  to: string;
  path: 'direct' | 'relay' | 'none';
  reason: string;
  endpoint?: string;
  /** ms since the last handshake on this path, when published. */
  handshakeAgeMs?: number;
  /** ms since the path last changed. */
  sinceMs?: number;
}

/** Every path the peers publish, sorted by from then to. Peers without `status.paths` add none. */
export function publishedPaths(peers: readonly WireKubePeer[], nowMs: number): PathView[] {
  return peers
    .flatMap((p) =>
      (p.status?.paths ?? []).map((e) => ({
        from: p.metadata.name ?? '',
        to: e.peer,
        path: e.path,
        reason: e.reason,
        endpoint: e.endpoint,
        handshakeAgeMs: ageOf(e.lastHandshake, nowMs),
        sinceMs: ageOf(e.since, nowMs),
      })),
    )
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The path `from` publishes towards `to`, if any. */
export function pathBetween(peers: readonly WireKubePeer[], from: string, to: string, nowMs: number): PathView | undefined {
  return publishedPaths(peers.filter((p) => p.metadata.name === from), nowMs).find((v) => v.to === to);
}

/** The NAT type a peer reports, `unknown` until its agent has probed. */
export function natTypeOf(peer: WireKubePeer): NatType {
  return peer.status?.natType ?? 'unknown';
}

const FROM_TYPE: Record<NatType, Pick<NatBehaviour, 'mapping' | 'filtering'>> = {
  open: { mapping: 'none', filtering: 'none' },
  'full-cone': { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'restricted-cone': { mapping: 'endpoint-independent', filtering: 'address-dependent' },
  'port-restricted-cone': { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  symmetric: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
  'udp-blocked': { mapping: 'unknown', filtering: 'unknown' },
  unknown: { mapping: 'unknown', filtering: 'unknown' },
};

/** `203.0.113.7:51822` → address; undefined for names or bracketed IPv6 hosts the planner cannot compare. */
function literalEndpoint(endpoint: string | undefined): TransportAddress | undefined {
  const m = endpoint && /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(endpoint);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}

/**
 * The NAT behaviour a peer publishes, in the planner's terms: detail from `status.nat` when
 * present, otherwise the behaviour implied by `status.natType`; the published endpoint is the
 * server-reflexive address. Undefined when the peer has not reported a NAT type.
 */
export function behaviourOf(peer: WireKubePeer): NatBehaviour | undefined {
  const type = peer.status?.natType;
  if (!type || type === 'unknown') return undefined;
  const nat = peer.status?.nat;
  const implied = FROM_TYPE[type];
  const mapped = literalEndpoint(peer.spec.endpoint);
  return {
    type,
    mapping: type === 'open' ? 'none' : (nat?.mapping ?? implied.mapping),
    filtering: type === 'open' ? 'none' : (nat?.filtering ?? implied.filtering),
    portPreserved: nat?.portPattern === 'preserving',
    allocation: nat?.portPattern ?? 'unknown',
    allocationDelta: nat?.portPattern === 'sequential' ? (nat.portDelta ?? 0) : 0,
    ...(mapped && { mapped }),
  };
}

/** `port-restricted-cone (mapping endpoint-independent, filtering address-and-port-dependent, ports preserving)`. */
export function describeNat(peer: WireKubePeer): string {
  const type = natTypeOf(peer);
  const nat = peer.status?.nat;
  if (!nat) return type;
  const ports = nat.portPattern === 'sequential' ? `sequential ports (delta ${nat.portDelta ?? '?'})` : `${nat.portPattern} ports`;
  return `${type} (mapping ${nat.mapping}, filtering ${nat.filtering}, ${ports})`;
}
