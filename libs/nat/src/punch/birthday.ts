import type { Rng } from '@wirekube/util';
import type { NatBehaviour } from '../nat/behaviour';

/** The external port range a NAT allocates from, inclusive. Linux's default is 1024..65535. */
export type PortRange = readonly [number, number];
/** The range assumed when nothing better is known. */
export const DEFAULT_PORT_RANGE: PortRange = [1024, 65535];

/**
 * Chance that a birthday attack connects: the hard side holds `sockets` mappings on distinct
 * ports drawn uniformly from a range of R ports, the easy side probes `probes` distinct ports of
 * that range. Exact (sampling without replacement): 1 − C(R−N, M) / C(R, M), computed as a
 * product in log space. 0 when either count is 0; 1 when the probes cover the range.
 */
export function birthdaySuccessProbability(sockets: number, probes: number, range: PortRange = DEFAULT_PORT_RANGE): number {
  const r = range[1] - range[0] + 1;
  const n = Math.min(sockets, r);
  const m = Math.min(probes, r);
  if (n <= 0 || m <= 0) return 0;
  if (m > r - n) return 1;
  let logMiss = 0;
  for (let i = 0; i < m; i++) logMiss += Math.log1p(-n / (r - i));
  return 1 - Math.exp(logMiss);
}

/** The fewest probes giving at least `target` success chance with `sockets` mappings. */
export function probesForProbability(sockets: number, target: number, range: PortRange = DEFAULT_PORT_RANGE): number {
  let lo = 0;
  let hi = range[1] - range[0] + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (birthdaySuccessProbability(sockets, mid, range) >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const wrapper = ([min, max]: PortRange) => (p: number) => min + ((((p - min) % (max - min + 1)) + (max - min + 1)) % (max - min + 1));

/**
 * The ports a symmetric side's next mappings will most likely get, from its allocation pattern:
 * for a sequential allocator the ports ahead of its newest observed mapping in steps of the delta
 * (minus whatever other hosts behind the NAT take meanwhile), for a preserving one its local
 * port, for a random one nothing.
 */
export function predictedPorts(hard: Pick<NatBehaviour, 'allocation' | 'allocationDelta' | 'allocationLastPort' | 'mapped' | 'local'>, count: number, range: PortRange = DEFAULT_PORT_RANGE): number[] {
  const wrap = wrapper(range);
  const last = hard.allocationLastPort ?? hard.mapped?.port;
  if (hard.allocation === 'sequential' && hard.allocationDelta !== 0 && last !== undefined) {
    const out = new Set<number>();
    for (let k = 1; out.size < count && k <= range[1] - range[0] + 1; k++) out.add(wrap(last + k * hard.allocationDelta));
    return [...out];
  }
  if (hard.allocation === 'preserving' && hard.local && count > 0) return [hard.local.port];
  return [];
}

/**
 * Ports to probe on the hard side's public IP for a birthday attack, most likely first, without
 * duplicates: {@link predictedPorts}, then uniformly random ports of the range.
 */
export function birthdayCandidatePorts(hard: Pick<NatBehaviour, 'allocation' | 'allocationDelta' | 'allocationLastPort' | 'mapped' | 'local'>, count: number, rng: Rng, range: PortRange = DEFAULT_PORT_RANGE): number[] {
  const out = new Set(predictedPorts(hard, count, range));
  const target = Math.min(count, range[1] - range[0] + 1);
  while (out.size < target) out.add(rng.int(range[0], range[1] + 1));
  return [...out];
}
