import type { PortAllocation } from '../nat/behaviour';

/** One new mapping, in the order the mappings were created. */
export interface PortSample {
  localPort: number;
  mappedPort: number;
}

/** The inferred allocation pattern. */
export interface AllocationInference {
  allocation: PortAllocation;
  /** Step between consecutive mappings when sequential, else 0. */
  delta: number;
  /** Why, in words. */
  note: string;
  /** The newest sample's mapped port. */
  lastPort?: number;
}

/** Largest step still called "sequential"; beyond it a guess at the next port is no better than random. */
export const MAX_SEQUENTIAL_DELTA = 64;

/**
 * Infers the port-allocation pattern from mappings created one after another. Preserving: every
 * mapped port equals its local port. Sequential: at least two thirds of consecutive steps share
 * one non-zero delta of at most {@link MAX_SEQUENTIAL_DELTA} (other traffic through the NAT can
 * steal a port now and then). Otherwise random. Needs ≥ 3 samples to claim a pattern.
 */
export function inferAllocation(samples: readonly PortSample[]): AllocationInference {
  const last = samples.at(-1);
  if (!last) return { allocation: 'unknown', delta: 0, note: 'no allocation samples' };
  return { ...infer(samples), lastPort: last.mappedPort };
}

function infer(samples: readonly PortSample[]): Omit<AllocationInference, 'lastPort'> {
  if (samples.every((s) => s.mappedPort === s.localPort)) {
    return { allocation: 'preserving', delta: 0, note: `${samples.length}/${samples.length} mappings kept their local port` };
  }
  if (samples.length < 3) return { allocation: 'unknown', delta: 0, note: `only ${samples.length} samples, too few for a pattern` };
  const deltas: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    // Port numbers wrap, so a step is the shortest signed distance on the 16-bit ring.
    let d = samples[i]!.mappedPort - samples[i - 1]!.mappedPort;
    if (d > 32768) d -= 65536;
    if (d < -32768) d += 65536;
    deltas.push(d);
  }
  const counts = new Map<number, number>();
  for (const d of deltas) counts.set(d, (counts.get(d) ?? 0) + 1);
  const [mode, count] = [...counts].sort((a, b) => b[1] - a[1] || Math.abs(a[0]) - Math.abs(b[0]))[0]!;
  const steps = deltas.join(',');
  if (mode !== 0 && Math.abs(mode) <= MAX_SEQUENTIAL_DELTA && count * 3 >= deltas.length * 2) {
    return { allocation: 'sequential', delta: mode, note: `${count}/${deltas.length} consecutive mappings stepped by ${mode} (steps ${steps})` };
  }
  return { allocation: 'random', delta: 0, note: `no common step between consecutive mappings (steps ${steps})` };
}
