import type { NatBehaviour, NatType } from '../nat/behaviour';
import { formatAddress, type TransportAddress } from '../net/address';
import { birthdayCandidatePorts, birthdaySuccessProbability, DEFAULT_PORT_RANGE, predictedPorts, type PortRange } from './birthday';
import type { Rng } from '@wirekube/util';

/** Where a candidate address came from (ICE-style). */
export type CandidateKind = 'host' | 'server-reflexive' | 'predicted';

/** One address a side might be reachable at. */
export interface Candidate {
  kind: CandidateKind;
  address: TransportAddress;
  /** Higher is tried first. */
  priority: number;
}

/** What each side knows about itself and tells the other. */
export interface PunchSide {
  nat: NatBehaviour;
  candidates: readonly Candidate[];
}

/** Tuning of {@link planPunch}; every field has a default. */
export interface PlanOptions {
  /** Allow the birthday attack for port-restricted↔symmetric pairs (mesh setting or annotation). */
  birthday?: boolean;
  /** Gap between probe rounds of a direct punch. Default 50 ms. */
  probeIntervalMs?: number;
  /** How long a direct punch tries. Default 3000 ms. */
  directDurationMs?: number;
  /** Predicted ports tried for a sequential symmetric peer in a direct punch. Default 16. */
  predictedPorts?: number;
  /** Sockets the symmetric side opens for a birthday attack. Default 256. */
  birthdaySockets?: number;
  /** Probes per second on each side of a birthday attack. Default 1000. */
  birthdayRatePerSec?: number;
  /** How long a birthday attack sprays. Default 5000 ms. */
  birthdayDurationMs?: number;
  /** External port range assumed for the symmetric side. */
  portRange?: PortRange;
}

/** Probe these targets from the one punch socket. */
export interface DirectPlan {
  kind: 'direct';
  reason: string;
  targets: TransportAddress[];
  intervalMs: number;
  durationMs: number;
}

/**
 * One side of a birthday attack. `many-sockets` (the symmetric side): open `sockets` sockets and
 * probe the peer's one mapped address from each. `many-ports` (the cone side): probe `targets`
 * (candidate ports of the symmetric side's IP) from the one punch socket.
 */
export interface BirthdayPlan {
  kind: 'birthday';
  reason: string;
  role: 'many-sockets' | 'many-ports';
  sockets: number;
  targets: TransportAddress[];
  ratePerSec: number;
  durationMs: number;
  /** Model chance of success for the whole attack. */
  successProbability: number;
}

/** No direct path can be opened; use the relay. */
export interface RelayPlan {
  kind: 'relay';
  reason: string;
}

/** The planner's decision for the local side. */
export type PunchPlan = DirectPlan | BirthdayPlan | RelayPlan;

const NAMES: Record<NatType, string> = {
  open: 'open',
  'full-cone': 'full-cone',
  'restricted-cone': 'restricted-cone',
  'port-restricted-cone': 'port-restricted',
  symmetric: 'symmetric',
  'udp-blocked': 'udp-blocked',
  unknown: 'unknown',
};

const easy = (n: NatBehaviour) => n.mapping === 'none' || n.mapping === 'endpoint-independent';
/** Accepts packets from a port it never sent to: open, full cone, restricted cone. */
const lenient = (n: NatBehaviour) => n.filtering === 'none' || n.filtering === 'endpoint-independent' || n.filtering === 'address-dependent' || n.type === 'open';

function unique(as: readonly TransportAddress[]): TransportAddress[] {
  const seen = new Set<string>();
  return as.filter((a) => !seen.has(formatAddress(a)) && !!seen.add(formatAddress(a)));
}

function ordered(cs: readonly Candidate[], kinds: readonly CandidateKind[]): TransportAddress[] {
  return unique([...cs].filter((c) => kinds.includes(c.kind)).sort((a, b) => b.priority - a.priority).map((c) => c.address));
}

/** Predicted addresses of a symmetric side whose allocation is preserving or sequential. */
function predicted(side: PunchSide, count: number, range: PortRange): TransportAddress[] {
  const ip = side.nat.mapped?.ip;
  return ip ? predictedPorts(side.nat, count, range).map((port) => ({ ip, port })) : [];
}

/**
 * Decides how the local side connects to the remote side. Pure and symmetric: both sides run it
 * with the arguments swapped and reach the same kind of plan with matching roles. The reason is
 * written for people (it ends up in WireKubePeer status and the CLI).
 */
export function planPunch(local: PunchSide, remote: PunchSide, rng: Rng, opts: PlanOptions = {}): PunchPlan {
  const l = local.nat;
  const r = remote.nat;
  const pair = `${NAMES[l.type]}↔${NAMES[r.type]}`;
  const direct = (reason: string, targets: TransportAddress[]): DirectPlan => ({ kind: 'direct', reason, targets, intervalMs: opts.probeIntervalMs ?? 50, durationMs: opts.directDurationMs ?? 3000 });
  if (l.type === 'udp-blocked' || r.type === 'udp-blocked') {
    return { kind: 'relay', reason: `${pair}: ${l.type === 'udp-blocked' ? 'this side' : 'the peer'} has no UDP path out; relay only` };
  }
  const reflexive = ordered(remote.candidates, ['server-reflexive']);
  if (l.mapped && r.mapped && l.mapped.ip === r.mapped.ip && l.type !== 'open') {
    return direct(`same NAT (public ${l.mapped.ip}): host candidates first`, [...ordered(remote.candidates, ['host']), ...reflexive]);
  }
  const range = opts.portRange ?? DEFAULT_PORT_RANGE;
  // The peer's own predictions (from its newest mapping) first, then ours from its report.
  const withPredicted = unique([...ordered(remote.candidates, ['server-reflexive', 'predicted']), ...predicted(remote, opts.predictedPorts ?? 16, range)]);
  if (easy(l) && easy(r)) return direct(`${pair}: both mappings endpoint-independent, simultaneous punch`, reflexive);
  if (!easy(l) && !easy(r)) {
    if (l.allocation === 'preserving' && r.allocation === 'preserving') return direct(`${pair}: both sides preserve ports, punching predicted ports`, withPredicted);
    return { kind: 'relay', reason: `${pair}: both sides pick a new port per destination; direct impossible` };
  }
  const [hard, soft] = easy(l) ? [r, l] : [l, r];
  if (lenient(soft)) {
    return direct(`${pair}: the ${NAMES[soft.type]} side accepts the symmetric side's new mapping`, withPredicted);
  }
  if (hard.allocation === 'preserving' || (hard.allocation === 'sequential' && hard.allocationDelta !== 0)) {
    const how = hard.allocation === 'preserving' ? 'port-preserving' : `sequential (delta ${hard.allocationDelta})`;
    return direct(`${pair}: symmetric side allocates ${how}; punching predicted ports`, withPredicted);
  }
  if (!opts.birthday) return { kind: 'relay', reason: `${pair}: direct impossible without port prediction (birthday attack disabled)` };
  const sockets = opts.birthdaySockets ?? 256;
  const ratePerSec = opts.birthdayRatePerSec ?? 1000;
  const durationMs = opts.birthdayDurationMs ?? 5000;
  const probes = Math.floor((ratePerSec * durationMs) / 1000);
  const successProbability = birthdaySuccessProbability(sockets, probes, range);
  const reason = `${pair}: random port allocation, birthday attack with ${sockets} sockets × ${probes} probes (p≈${successProbability.toFixed(2)})`;
  if (hard === l) {
    return { kind: 'birthday', reason, role: 'many-sockets', sockets, targets: reflexive.slice(0, 1), ratePerSec, durationMs, successProbability };
  }
  const ip = r.mapped?.ip ?? reflexive[0]?.ip;
  if (!ip) return { kind: 'relay', reason: `${pair}: the symmetric peer sent no reflexive address to aim at` };
  const targets = birthdayCandidatePorts(r, probes, rng, range).map((port) => ({ ip, port }));
  return { kind: 'birthday', reason, role: 'many-ports', sockets: 1, targets, ratePerSec, durationMs, successProbability };
}
