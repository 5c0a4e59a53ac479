/**
 * Why a pair of nodes is direct or relayed. Replays the agents' own decision (the libs/nat punch
 * planner) on the NAT behaviour both peers published, compares it with the path they published,
 * and searches for the changes that would turn a relayed pair direct by re-planning with one
 * thing different at a time (the birthday attack, or one side behind a friendlier NAT). Pure.
 */
import { planPunch, type NatBehaviour, type PunchPlan, type PunchSide } from '@wirekube/nat';
import type { WireKubePeer } from '@wirekube/k8s';
import { seededRng } from '@wirekube/util';
import { behaviourOf, describeNat, pathBetween, type PathView } from './mesh-view';

/** The explanation of one pair, for printing or JSON. */
export interface Explanation {
  a: string;
  b: string;
  natA: string;
  natB: string;
  /** What each side publishes towards the other. */
  aToB?: PathView;
  bToA?: PathView;
  /** The planner's decision from A's side; undefined when a NAT type is still unknown. */
  plan?: { kind: PunchPlan['kind']; reason: string };
  /** One paragraph: how published and planned relate. */
  verdict: string;
  /** Changes that would alter the outcome, most actionable first. */
  changes: string[];
}

/**
 * Hypothetical NATs tried for "what would change it", least invasive first; `change` says how
 * a user gets a node there.
 */
const PROFILES: Array<{ change: (node: string) => string; nat: Omit<NatBehaviour, 'mapped' | 'local'> }> = [
  {
    change: (n) => `put ${n} behind a NAT with endpoint-independent mapping (a port-restricted cone, like most home routers)`,
    nat: { type: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPreserved: true, allocation: 'preserving', allocationDelta: 0 },
  },
  {
    change: (n) => `make ${n}'s NAT keep source ports (Linux MASQUERADE without --random-fully)`,
    nat: { type: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPreserved: true, allocation: 'preserving', allocationDelta: 0 },
  },
  {
    change: (n) => `forward UDP 51822 to ${n} on its router (a full-cone mapping)`,
    nat: { type: 'full-cone', mapping: 'endpoint-independent', filtering: 'endpoint-independent', portPreserved: true, allocation: 'preserving', allocationDelta: 0 },
  },
  {
    change: (n) => `give ${n} a public address (no NAT)`,
    nat: { type: 'open', mapping: 'none', filtering: 'none', portPreserved: true, allocation: 'preserving', allocationDelta: 0 },
  },
];

function side(nat: NatBehaviour): PunchSide {
  return { nat, candidates: nat.mapped ? [{ kind: 'server-reflexive', address: nat.mapped, priority: 100 }] : [] };
}

function plan(a: NatBehaviour, b: NatBehaviour, birthday: boolean): PunchPlan {
  // The rng only picks birthday target ports; a fixed seed keeps explanations reproducible.
  return planPunch(side(a), side(b), seededRng(1), { birthday });
}

/** Explains the pair (a, b); `birthday` is the mesh's natTraversal.birthdayAttack setting. */
export function explainPair(a: WireKubePeer, b: WireKubePeer, o: { birthday: boolean; meshName: string; nowMs: number }): Explanation {
  const [na, nb] = [a.metadata.name ?? '', b.metadata.name ?? ''];
  const peers = [a, b];
  const base = { a: na, b: nb, natA: describeNat(a), natB: describeNat(b), aToB: pathBetween(peers, na, nb, o.nowMs), bToA: pathBetween(peers, nb, na, o.nowMs) };
  const [ba, bb] = [behaviourOf(a), behaviourOf(b)];
  if (!ba || !bb) {
    const unknown = [!ba && na, !bb && nb].filter(Boolean).join(' and ');
    return { ...base, verdict: `${unknown} has not published a NAT type yet: its agent has not finished NAT discovery (check its stun-probe sidecar and the mesh's STUN servers).`, changes: [] };
  }
  const p = plan(ba, bb, o.birthday);
  const published = [base.aToB?.path, base.bToA?.path].filter((x) => x !== undefined);
  const planned = p.kind === 'relay' ? 'relay' : 'direct';
  let verdict: string;
  if (published.length === 0) verdict = `Neither node publishes a path to the other yet. The planner says ${planned}: ${p.reason}.`;
  else if (published.every((x) => x === planned)) verdict = `The pair is ${planned}, as the planner expects: ${p.reason}.`;
  else if (planned === 'direct') {
    verdict = `The planner allows a direct path (${p.reason}), but the nodes publish ${published.join('/')}: punching has not succeeded yet or the direct path went silent. Check that UDP ${'51822'} is not dropped by a firewall on either side and run \`wirekubectl doctor\` on both nodes.`;
  } else verdict = `The nodes publish ${published.join('/')}, while the planner says relay (${p.reason}): a NAT changed since it was last probed, or the direct path is about to be dropped.`;
  return { ...base, plan: { kind: p.kind, reason: p.reason }, verdict, changes: planned === 'relay' ? whatWouldHelp(na, ba, nb, bb, o) : whatWouldBreak(ba, bb) };
}

function whatWouldHelp(na: string, ba: NatBehaviour, nb: string, bb: NatBehaviour, o: { birthday: boolean; meshName: string }): string[] {
  const out: string[] = [];
  for (const [name, self] of [[na, ba], [nb, bb]] as const) {
    if (self.type === 'udp-blocked') out.push(`allow outbound UDP from ${name} (it has no UDP path out; only the relay reaches it)`);
  }
  if (!o.birthday) {
    const p = plan(ba, bb, true);
    if (p.kind === 'birthday') out.push(`enable the birthday attack (kubectl patch wkmesh ${o.meshName} --type merge -p '{"spec":{"natTraversal":{"birthdayAttack":"enabled"}}}'): ${p.reason}`);
  }
  for (const [name, self, other, first] of [[na, ba, bb, true], [nb, bb, ba, false]] as const) {
    for (const prof of PROFILES) {
      if (prof.nat.type === self.type && prof.nat.allocation === self.allocation) continue;
      const hypo: NatBehaviour = { ...prof.nat, ...(self.mapped && { mapped: self.mapped }) };
      const p = first ? plan(hypo, other, o.birthday) : plan(other, hypo, o.birthday);
      if (p.kind !== 'relay') {
        out.push(`${prof.change(name)}: ${p.reason}`);
        break;
      }
    }
  }
  return out;
}

function whatWouldBreak(ba: NatBehaviour, bb: NatBehaviour): string[] {
  const out = ['if the direct path stops carrying traffic, the agents move the pair back to the relay within seconds and keep retrying direct'];
  if (ba.type === 'symmetric' || bb.type === 'symmetric') out.push('a symmetric NAT that stops preserving or incrementing ports would make this pair relay-only');
  return out;
}
