import { CANDIDATE_PRIORITY, gatherCandidates, type Candidate, type NatBehaviour, type PunchSide, type TransportAddress } from '@wirekube/nat';
import type { HostPort } from '@wirekube/planner';
import { CandidateKind, type Candidate as WireCandidate, type NatReport } from '@wirekube/proto';
import { dependenceOf, natFactsOf } from '../nat-report';

const KINDS: Record<number, Candidate['kind']> = {
  [CandidateKind.CANDIDATE_KIND_HOST]: 'host',
  [CandidateKind.CANDIDATE_KIND_SERVER_REFLEXIVE]: 'server-reflexive',
  [CandidateKind.CANDIDATE_KIND_PREDICTED]: 'predicted',
};

const UNKNOWN_NAT: NatBehaviour = { type: 'unknown', mapping: 'unknown', filtering: 'unknown', portPreserved: false, allocation: 'unknown', allocationDelta: 0 };

/**
 * The NAT behaviour a wire report describes, with `mapped` replaced by the WireGuard port's own
 * reflexive address when known (the stun-probe's socket is not the WireGuard port). Unknown enum
 * values read as `unknown`. Pure.
 */
export function natBehaviourOf(report: NatReport, wgMapped?: HostPort): NatBehaviour {
  const facts = natFactsOf(report);
  const mapped = wgMapped ? { ip: wgMapped.host, port: wgMapped.port } : facts.mapped;
  return {
    type: facts.natType,
    // libs/nat keeps "no NAT" apart from endpoint-independent, which the status vocabulary folds together.
    mapping: dependenceOf(report.mapping),
    filtering: dependenceOf(report.filtering),
    portPreserved: report.portPreserved,
    allocation: facts.nat.portPattern,
    allocationDelta: facts.nat.portDelta ?? 0,
    ...(mapped && { mapped }),
  };
}

/** The wire report this node sends in punch messages: its NAT report with the WireGuard port's mapping. Pure. */
export function wireNatReport(report: NatReport, wgMapped?: HostPort): NatReport {
  return { ...report, mapped: wgMapped ? { ip: wgMapped.host, port: wgMapped.port } : undefined };
}

/**
 * This node's side of a punch: its NAT behaviour (mapped = the WireGuard port's published
 * endpoint) and candidates — host addresses on the WireGuard listen port, the reflexive endpoint
 * and, behind a predictable symmetric NAT, predicted ports. Pure.
 */
export function localPunchSide(o: { report?: NatReport; wgEndpoint?: HostPort; hostIps: readonly string[]; listenPort: number }): PunchSide {
  const hosts: TransportAddress[] = o.hostIps.map((ip) => ({ ip, port: o.listenPort }));
  const nat: NatBehaviour = o.report ? natBehaviourOf(o.report, o.wgEndpoint) : { ...UNKNOWN_NAT };
  // Without a published WireGuard mapping the probe's mapping says nothing about WireGuard's port,
  // except behind a symmetric NAT, where its IP (and allocation pattern) is what a peer aims at.
  if (!o.wgEndpoint && nat.type !== 'symmetric') delete nat.mapped;
  return { nat, candidates: gatherCandidates(nat, hosts) };
}

/** Candidates as they travel in punch messages. Pure. */
export function toWireCandidates(cs: readonly Candidate[]): WireCandidate[] {
  const kind = { host: CandidateKind.CANDIDATE_KIND_HOST, 'server-reflexive': CandidateKind.CANDIDATE_KIND_SERVER_REFLEXIVE, predicted: CandidateKind.CANDIDATE_KIND_PREDICTED } as const;
  return cs.map((c) => ({ kind: kind[c.kind], endpoint: { ip: c.address.ip, port: c.address.port }, priority: c.priority }));
}

/** Candidates received in punch messages; ones without a kind, address or valid port are dropped. Pure. */
export function fromWireCandidates(cs: readonly WireCandidate[]): Candidate[] {
  return cs.flatMap((c) => {
    const kind = KINDS[c.kind];
    const e = c.endpoint;
    if (!kind || !e || e.ip === '' || !(e.port > 0 && e.port < 65536)) return [];
    return [{ kind, address: { ip: e.ip, port: e.port }, priority: c.priority }];
  });
}

/**
 * The peer's side of a punch from its offer or answer: its wire NAT report and candidates. The
 * reflexive candidate, if any, is its WireGuard mapping. Pure.
 */
export function remotePunchSide(report: NatReport | undefined, candidates: readonly WireCandidate[]): PunchSide | undefined {
  if (!report) return undefined;
  const cs = fromWireCandidates(candidates);
  const reflexive = cs.find((c) => c.kind === 'server-reflexive');
  const nat = natBehaviourOf(report, reflexive && { host: reflexive.address.ip, port: reflexive.address.port });
  return { nat, candidates: cs.length > 0 ? cs : nat.mapped ? [{ kind: 'server-reflexive', address: nat.mapped, priority: CANDIDATE_PRIORITY['server-reflexive'] }] : [] };
}
