import { CANDIDATE_PRIORITY, planPunch, type Candidate, type NatBehaviour as NatReport, type PlanOptions, type PunchPlan, type PunchSide, type TransportAddress } from '@wirekube/nat';
import type { Rng } from '@wirekube/util';
import type { MeshPeer, RelayMode } from '../domain';
import { cidrContains, formatCidr, parseIp, type Cidr } from '../domain-cidr';
import type { PairMode } from './path-types';

/** Everything the pair matrix looks at for one (local, remote) pair. */
export interface PairInput {
  /** This side's NAT report and candidates (host candidates carry the WireGuard listen port). */
  local: PunchSide;
  /** The peer's, from its punch offer/answer or {@link punchSideOfPeer}. */
  remote: PunchSide;
  /** CIDRs of this node's own interfaces (e.g. `10.0.1.2/24`): a peer host candidate inside one is on the same LAN. */
  localSubnets: readonly string[];
  relayMode: RelayMode;
  /** The mesh's `birthdayAttack` setting. */
  meshBirthday: boolean;
  /** Per-peer annotations of this node's and the peer's WireKubePeer, when set. */
  localBirthday?: boolean;
  remoteBirthday?: boolean;
  rng: Rng;
  /** Tuning passed through to `planPunch` (its `birthday` flag is decided here). */
  plan?: Omit<PlanOptions, 'birthday'>;
}

/** The pair's decision: the mode and reason the path machine and status publish, and the plan to execute. */
export interface PairDecision extends PairMode {
  plan: PunchPlan;
}

/**
 * Whether the birthday attack is allowed for a pair. An explicit annotation on either side wins
 * over the mesh setting, a `false` over a `true`, so both ends — which see the same two objects —
 * reach the same answer.
 */
export function birthdayAllowed(meshBirthday: boolean, localBirthday?: boolean, remoteBirthday?: boolean): boolean {
  if (localBirthday === false || remoteBirthday === false) return false;
  if (localBirthday === true || remoteBirthday === true) return true;
  return meshBirthday;
}

/** Interface addresses with prefix (`10.0.1.2/24`, host bits set) as their networks; malformed entries are skipped. */
function subnets(texts: readonly string[]): Cidr[] {
  return texts.flatMap((t) => {
    const [addr = '', len = ''] = t.split('/');
    const ip = parseIp(addr);
    const width = ip.ok && ip.value.family === 4 ? 32 : 128;
    const prefix = /^\d{1,3}$/.test(len) ? Number(len) : NaN;
    if (!ip.ok || !(prefix > 0 && prefix <= width)) return [];
    const hostBits = BigInt(width - prefix);
    return [{ family: ip.value.family, prefix, base: (ip.value.value >> hostBits) << hostBits }];
  });
}

/** The peer's host candidates on one of our LANs (not our own addresses), best first, with that LAN. */
function sameLan(input: PairInput): { lan: string; targets: TransportAddress[] } | undefined {
  const ours = new Set(input.local.candidates.filter((c) => c.kind === 'host').map((c) => c.address.ip));
  const lans = subnets(input.localSubnets);
  const hosts = [...input.remote.candidates].filter((c) => c.kind === 'host' && !ours.has(c.address.ip)).sort((a, b) => b.priority - a.priority);
  for (const lan of lans) {
    const targets = hosts.filter((c) => {
      const ip = parseIp(c.address.ip);
      return ip.ok && cidrContains(lan, ip.value);
    });
    if (targets.length > 0) return { lan: formatCidr(lan), targets: targets.map((c) => c.address) };
  }
  return undefined;
}

/**
 * The pair matrix: decides direct, birthday or relay for a pair and says why, in words fit for
 * status and the CLI. Order: `relay.mode=always` relays everything; a peer host candidate on one of
 * our LANs is punched directly with host candidates first (even when UDP to the internet is
 * blocked); everything else — same NAT included (host candidates first), cone/symmetric pairs,
 * birthday — is `planPunch` from `@wirekube/nat`, with the birthday attack allowed only as
 * {@link birthdayAllowed} says. Pure apart from `rng` (birthday target ports); both ends reach the
 * same mode.
 */
export function decidePair(input: PairInput): PairDecision {
  if (input.relayMode === 'always') {
    const reason = 'relay.mode=always: every pair is relayed';
    return { mode: 'relay', reason, plan: { kind: 'relay', reason } };
  }
  const lan = sameLan(input);
  if (lan) {
    const reason = `same LAN (${lan.lan}): host candidates first`;
    const reflexive = input.remote.candidates.filter((c) => c.kind === 'server-reflexive').map((c) => c.address);
    return { mode: 'direct', reason, plan: { kind: 'direct', reason, targets: [...lan.targets, ...reflexive], intervalMs: input.plan?.probeIntervalMs ?? 50, durationMs: input.plan?.directDurationMs ?? 3000 } };
  }
  const birthday = birthdayAllowed(input.meshBirthday, input.localBirthday, input.remoteBirthday);
  const plan = planPunch(input.local, input.remote, input.rng, { ...input.plan, birthday });
  return { mode: plan.kind, reason: plan.reason, plan };
}

/**
 * A peer's {@link PunchSide} as far as its WireKubePeer tells (NAT type and behaviour, published
 * endpoint), for deciding the pair before any punch offer carries its full report. Host candidates
 * are the ones the peer sent, if any.
 */
export function punchSideOfPeer(peer: MeshPeer, hosts: readonly TransportAddress[] = []): PunchSide {
  const mapped = peer.endpoint && { ip: peer.endpoint.host, port: peer.endpoint.port };
  const open = peer.natType === 'open';
  const nat: NatReport = {
    type: peer.natType,
    mapping: open ? 'none' : (peer.nat?.mapping ?? 'unknown'),
    filtering: open ? 'none' : (peer.nat?.filtering ?? 'unknown'),
    portPreserved: peer.nat?.portPattern === 'preserving',
    allocation: peer.nat?.portPattern ?? 'unknown',
    allocationDelta: peer.nat?.portDelta ?? 0,
    ...(mapped && { mapped }),
  };
  const candidates: Candidate[] = hosts.map((address, i) => ({ kind: 'host', address, priority: CANDIDATE_PRIORITY.host - i }));
  if (mapped) candidates.push({ kind: 'server-reflexive', address: mapped, priority: CANDIDATE_PRIORITY['server-reflexive'] });
  return { nat, candidates };
}
