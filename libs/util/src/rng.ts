import { randomBytes, randomInt } from 'node:crypto';

/** A source of randomness, injected so that schedules and jitter are reproducible in tests. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max), min < max. */
  int(min: number, max: number): number;
  /** `n` random bytes. */
  bytes(n: number): Buffer;
}

/** Cryptographically strong randomness from node:crypto. */
export const cryptoRng: Rng = {
  // 48 random bits: randomInt's range is limited to max - min < 2^48, so read the bytes directly.
  next: () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48,
  int: (min, max) => randomInt(min, max),
  bytes: (n) => randomBytes(n),
};

/**
 * A deterministic generator (mulberry32) for tests and simulations. Not for secrets.
 * The same seed always yields the same sequence.
 */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min)),
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
