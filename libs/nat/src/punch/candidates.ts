import type { NatBehaviour } from '../nat/behaviour';
import type { TransportAddress } from '../net/address';
import { DEFAULT_PORT_RANGE, predictedPorts, type PortRange } from './birthday';
import type { Candidate } from './planner';

/** Priorities of gathered candidates: host before reflexive before predicted, in gathering order. */
export const CANDIDATE_PRIORITY = { host: 1000, 'server-reflexive': 500, predicted: 100 } as const;

/**
 * The candidates one side offers its peer: its host addresses, its server-reflexive address and,
 * when its NAT allocates predictably, the ports its next mappings will most likely get (from its
 * own newest observed mapping, which only this side knows). `hostAddresses` must carry the punch
 * socket's port.
 */
export function gatherCandidates(nat: NatBehaviour, hostAddresses: readonly TransportAddress[], predictedCount = 16, range: PortRange = DEFAULT_PORT_RANGE): Candidate[] {
  const out: Candidate[] = hostAddresses.map((address, i) => ({ kind: 'host', address, priority: CANDIDATE_PRIORITY.host - i }));
  if (nat.mapped) out.push({ kind: 'server-reflexive', address: nat.mapped, priority: CANDIDATE_PRIORITY['server-reflexive'] });
  const symmetric = nat.mapping === 'address-dependent' || nat.mapping === 'address-and-port-dependent';
  const ip = nat.mapped?.ip;
  if (symmetric && ip) {
    predictedPorts(nat, predictedCount, range).forEach((port, k) => out.push({ kind: 'predicted', address: { ip, port }, priority: CANDIDATE_PRIORITY.predicted - k }));
  }
  return out;
}
