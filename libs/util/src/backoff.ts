import type { Rng } from './rng';

/** Exponential backoff parameters. All durations in milliseconds. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth factor per attempt, ≥ 1. Default 2. */
  factor?: number;
  /** Fraction of the delay randomised away, in [0, 1]. Default 0.2. */
  jitter?: number;
}

/**
 * Returns the delay before retry number `attempt` (0-based): initial × factor^attempt, capped at
 * max, reduced by up to `jitter` of itself using `rng`. Pure apart from the rng.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, rng: Rng): number {
  const factor = opts.factor ?? 2;
  const jitter = opts.jitter ?? 0.2;
  const raw = Math.min(opts.maxMs, opts.initialMs * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(raw * (1 - jitter * rng.next()));
}
