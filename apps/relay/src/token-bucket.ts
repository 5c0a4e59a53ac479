import type { Clock } from '@wirekube/util';

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. {@link TokenBucket.take} is true when a
 * token was available. Used to cap what one session may ask of the relay (punches, probes).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.monotonic();
  }

  /** Consumes a token if one is available. */
  take(): boolean {
    const now = this.clock.monotonic();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
