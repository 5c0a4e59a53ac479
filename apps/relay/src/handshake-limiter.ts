/** Caps on connections that have not yet proven a key. */
export interface HandshakeLimits {
  /** Unauthenticated handshakes in progress at once, all sources together. */
  maxPending: number;
  /** Unauthenticated handshakes in progress at once from one IP address. */
  maxPendingPerIp: number;
}

/**
 * Counts handshakes in progress so a registration flood (many connections that never prove
 * anything) is refused at the door instead of growing memory; proven sessions are not counted and
 * therefore never crowded out. Pure bookkeeping.
 */
export class HandshakeLimiter {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(private readonly limits: HandshakeLimits) {}

  /** Handshakes currently in progress. */
  get pending(): number {
    return this.total;
  }

  /**
   * Reserves a slot for a handshake from `ip`. Returns a release function (idempotent), or
   * undefined when a limit is reached.
   */
  acquire(ip: string): (() => void) | undefined {
    const n = this.perIp.get(ip) ?? 0;
    if (this.total >= this.limits.maxPending || n >= this.limits.maxPendingPerIp) return undefined;
    this.total++;
    this.perIp.set(ip, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const m = (this.perIp.get(ip) ?? 1) - 1;
      if (m === 0) this.perIp.delete(ip);
      else this.perIp.set(ip, m);
    };
  }
}
