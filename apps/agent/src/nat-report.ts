import { NatDependence, NatType as ProtoNatType, PortAllocation, type NatReport } from '@wirekube/proto';
import type { Dependence } from '@wirekube/nat';
import type { NatBehaviour, NatBehaviourKind, NatType } from '@wirekube/planner';

/** A NAT report as the agent publishes it. */
export interface NatFacts {
  natType: NatType;
  nat: NatBehaviour;
  /** Server-reflexive address seen by STUN, `ip:port`, when UDP got out. */
  mapped?: { ip: string; port: number };
  report: NatReport;
}

const TYPES: Record<number, NatType> = {
  [ProtoNatType.NAT_TYPE_OPEN]: 'open',
  [ProtoNatType.NAT_TYPE_FULL_CONE]: 'full-cone',
  [ProtoNatType.NAT_TYPE_RESTRICTED_CONE]: 'restricted-cone',
  [ProtoNatType.NAT_TYPE_PORT_RESTRICTED_CONE]: 'port-restricted-cone',
  [ProtoNatType.NAT_TYPE_SYMMETRIC]: 'symmetric',
  [ProtoNatType.NAT_TYPE_UDP_BLOCKED]: 'udp-blocked',
};

const DEPENDENCE: Record<number, Dependence> = {
  [NatDependence.NAT_DEPENDENCE_NONE]: 'none',
  [NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT]: 'endpoint-independent',
  [NatDependence.NAT_DEPENDENCE_ADDRESS_DEPENDENT]: 'address-dependent',
  [NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT]: 'address-and-port-dependent',
};

/** A protobuf mapping/filtering value in libs/nat's words (`none` = no NAT); unknown values read as `unknown`. Pure. */
export function dependenceOf(value: NatDependence): Dependence {
  return DEPENDENCE[value] ?? 'unknown';
}

/** The same in the status vocabulary: no NAT at all behaves like the most permissive NAT for every purpose the planner has. */
function behaviourKindOf(value: NatDependence): NatBehaviourKind {
  const d = dependenceOf(value);
  return d === 'none' ? 'endpoint-independent' : d;
}

const PATTERNS: Record<number, NatBehaviour['portPattern']> = {
  [PortAllocation.PORT_ALLOCATION_PRESERVING]: 'preserving',
  [PortAllocation.PORT_ALLOCATION_SEQUENTIAL]: 'sequential',
  [PortAllocation.PORT_ALLOCATION_RANDOM]: 'random',
};

/** Translates the stun-probe's report into the status vocabulary; unknown values map to `unknown`. Pure. */
export function natFactsOf(report: NatReport): NatFacts {
  const pattern = PATTERNS[report.allocation] ?? 'unknown';
  return {
    natType: TYPES[report.type] ?? 'unknown',
    nat: {
      mapping: behaviourKindOf(report.mapping),
      filtering: behaviourKindOf(report.filtering),
      portPattern: pattern,
      portDelta: pattern === 'sequential' ? report.allocationDelta : 0,
    },
    ...(report.mapped && report.mapped.ip !== '' && { mapped: { ip: report.mapped.ip, port: report.mapped.port } }),
    report,
  };
}

/** The protobuf enum value of a published NAT type (`unknown` → unspecified). Pure. */
export function protoNatType(t: NatType): ProtoNatType {
  const hit = Object.entries(TYPES).find(([, name]) => name === t);
  return hit ? (Number(hit[0]) as ProtoNatType) : ProtoNatType.NAT_TYPE_UNSPECIFIED;
}
