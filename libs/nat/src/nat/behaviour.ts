import type { TransportAddress } from '../net/address';

/**
 * RFC 4787 mapping or filtering behaviour. `none` means no NAT was seen (the mapped address is a
 * local one), `unknown` that the probes could not tell (e.g. no RFC 5780 server answered).
 */
export type Dependence = 'none' | 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'unknown';

/** How a NAT chooses the external port of a new mapping. */
export type PortAllocation = 'preserving' | 'sequential' | 'random' | 'unknown';

/** The familiar names, derived from mapping and filtering by {@link familiarType}. */
export type NatType = 'open' | 'full-cone' | 'restricted-cone' | 'port-restricted-cone' | 'symmetric' | 'udp-blocked' | 'unknown';

/** What discovery learned about the NAT in front of one socket. */
export interface NatBehaviour {
  type: NatType;
  mapping: Dependence;
  filtering: Dependence;
  /** External port equalled the local port on the primary mapping. */
  portPreserved: boolean;
  allocation: PortAllocation;
  /** Port step between consecutive new mappings when `allocation` is sequential, else 0. */
  allocationDelta: number;
  /**
   * External port of the newest mapping discovery saw (the last allocation sample). A sequential
   * allocator's next mappings follow this one, not the first mapped port. Absent when unknown.
   */
  allocationLastPort?: number;
  /** Server-reflexive address of the probing socket, when any server answered. */
  mapped?: TransportAddress;
  /** The probing socket's local address. */
  local?: TransportAddress;
}

/**
 * The familiar name for a mapping/filtering pair. Anything that maps per destination is
 * "symmetric" whatever it filters; an endpoint-independent mapping is named by its filtering.
 */
export function familiarType(mapping: Dependence, filtering: Dependence): NatType {
  if (mapping === 'none') return 'open';
  if (mapping === 'address-dependent' || mapping === 'address-and-port-dependent') return 'symmetric';
  if (mapping !== 'endpoint-independent') return 'unknown';
  switch (filtering) {
    case 'endpoint-independent':
    case 'none':
      return 'full-cone';
    case 'address-dependent':
      return 'restricted-cone';
    case 'address-and-port-dependent':
      return 'port-restricted-cone';
    default:
      return 'unknown';
  }
}
