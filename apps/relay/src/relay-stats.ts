/** Why a datagram (or a whole queue) was dropped; the label of the drop metric. */
export type DropReason =
  | 'unknown-destination'
  | 'queue-full'
  | 'relay-overload'
  | 'session-closed'
  | 'oversized'
  | 'malformed';

/**
 * The relay's counters since start, updated on the hot path as plain numbers (cheap) and read by
 * the Stats RPC and by the Prometheus collector at scrape time.
 */
export class RelayCounters {
  framesIn = 0;
  bytesIn = 0;
  framesForwarded = 0;
  bytesForwarded = 0;
  authFailures = 0;
  /** Connections or streams refused before authentication (limits, timeouts, garbage). */
  handshakeRejects = 0;
  readonly drops = new Map<DropReason, number>();

  /** Adds `n` drops for `reason`. */
  drop(reason: DropReason, n = 1): void {
    if (n > 0) this.drops.set(reason, (this.drops.get(reason) ?? 0) + n);
  }

  /** Drops counted for `reason` so far. */
  dropped(reason: DropReason): number {
    return this.drops.get(reason) ?? 0;
  }
}
