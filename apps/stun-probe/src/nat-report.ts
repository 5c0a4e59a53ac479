import { NatDependence, NatType, PortAllocation, type NatReport } from '@wirekube/proto';
import type { Dependence, DiscoveryReport, NatType as CoreNatType, PortAllocation as CorePortAllocation } from '@wirekube/nat';

const DEPENDENCE: Record<Dependence, NatDependence> = {
  none: NatDependence.NAT_DEPENDENCE_NONE,
  'endpoint-independent': NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT,
  'address-dependent': NatDependence.NAT_DEPENDENCE_ADDRESS_DEPENDENT,
  'address-and-port-dependent': NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
  unknown: NatDependence.NAT_DEPENDENCE_UNSPECIFIED,
};
const TYPE: Record<CoreNatType, NatType> = {
  open: NatType.NAT_TYPE_OPEN,
  'full-cone': NatType.NAT_TYPE_FULL_CONE,
  'restricted-cone': NatType.NAT_TYPE_RESTRICTED_CONE,
  'port-restricted-cone': NatType.NAT_TYPE_PORT_RESTRICTED_CONE,
  symmetric: NatType.NAT_TYPE_SYMMETRIC,
  'udp-blocked': NatType.NAT_TYPE_UDP_BLOCKED,
  unknown: NatType.NAT_TYPE_UNSPECIFIED,
};
const ALLOCATION: Record<CorePortAllocation, PortAllocation> = {
  preserving: PortAllocation.PORT_ALLOCATION_PRESERVING,
  sequential: PortAllocation.PORT_ALLOCATION_SEQUENTIAL,
  random: PortAllocation.PORT_ALLOCATION_RANDOM,
  unknown: PortAllocation.PORT_ALLOCATION_UNSPECIFIED,
};

/** Translates a libs/nat discovery report into the wire `NatReport`; "unknown" maps to UNSPECIFIED. */
export function toNatReport(r: DiscoveryReport): NatReport {
  return {
    type: TYPE[r.type],
    mapping: DEPENDENCE[r.mapping],
    filtering: DEPENDENCE[r.filtering],
    portPreserved: r.portPreserved,
    allocation: ALLOCATION[r.allocation],
    allocationDelta: r.allocationDelta,
    mapped: r.mapped && { ip: r.mapped.ip, port: r.mapped.port },
    local: r.local && { ip: r.local.ip, port: r.local.port },
    method: r.method === 'none' ? '' : r.method,
    probedAtMs: r.probedAtMs,
    durationMs: r.durationMs,
    notes: r.notes,
  };
}

/**
 * True when two reports describe the same NAT: same type, behaviours, allocation and mapped
 * address. Timing, notes and the probing socket's ephemeral local port are not a change.
 */
export function sameNat(a: NatReport, b: NatReport): boolean {
  return (
    a.type === b.type &&
    a.mapping === b.mapping &&
    a.filtering === b.filtering &&
    a.portPreserved === b.portPreserved &&
    a.allocation === b.allocation &&
    a.allocationDelta === b.allocationDelta &&
    a.method === b.method &&
    a.mapped?.ip === b.mapped?.ip &&
    a.mapped?.port === b.mapped?.port &&
    a.local?.ip === b.local?.ip
  );
}
