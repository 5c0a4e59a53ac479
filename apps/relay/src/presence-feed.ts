import type { Presence } from '@wirekube/proto';
import type { Clock, TimerHandle } from '@wirekube/util';
import type { PeerEntry, PresenceListener, SessionTable } from './session-table';

/** The writable side of a session stream, as far as presence cares. */
export interface PresenceSink {
  /** Writes a Presence; returns false when the stream is full (wait for `onDrain`). */
  write(p: Presence): boolean;
  /** Registers a one-shot callback for when the stream has room again. */
  onDrain(fn: () => void): void;
}

/** Presence delivery settings. */
export interface PresenceOptions {
  /** Changes within this window are sent as one delta. */
  coalesceMs: number;
  /** More pending changes than this collapse into a fresh snapshot (bounds memory per session). */
  maxPendingChanges: number;
}

/**
 * Presence for one session: a full snapshot first, then coalesced deltas of joins and leaves.
 * Writes only while the stream has room, so a client that stops reading costs at most
 * `maxPendingChanges` entries — beyond that the pending deltas are replaced by "send a snapshot".
 */
export class PresenceFeed implements PresenceListener {
  private readonly joins = new Map<string, PeerEntry>();
  private readonly leaves = new Map<string, Buffer>();
  private needSnapshot = true;
  private timer: TimerHandle | undefined;
  private waitingForDrain = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  /**
   * @param filter key ids (latin1) this session asked about (Hello.presence_filter); undefined
   *   means every peer. With a filter, snapshots cost O(filter) rather than O(replica).
   */
  constructor(
    private readonly table: SessionTable,
    private readonly sink: PresenceSink,
    private readonly clock: Clock,
    private readonly opts: PresenceOptions,
    private readonly filter?: ReadonlySet<string>,
  ) {
    this.unsubscribe = table.subscribe(this);
    this.flush();
  }

  /** Stops delivering; idempotent. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  joined(peer: PeerEntry): void {
    if (this.filter && !this.filter.has(peer.keyId)) return;
    this.leaves.delete(peer.keyId);
    this.joins.set(peer.keyId, peer);
    this.changed();
  }

  left(keyId: string, key: Buffer): void {
    if (this.filter && !this.filter.has(keyId)) return;
    this.joins.delete(keyId);
    this.leaves.set(keyId, key);
    this.changed();
  }

  private changed(): void {
    if (this.joins.size + this.leaves.size > this.opts.maxPendingChanges) {
      this.needSnapshot = true;
      this.joins.clear();
      this.leaves.clear();
    }
    if (!this.timer && !this.waitingForDrain && !this.stopped) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.opts.coalesceMs);
    }
  }

  private flush(): void {
    if (this.stopped || this.waitingForDrain) return;
    let msg: Presence;
    if (this.needSnapshot) {
      const joined = [];
      if (this.filter) {
        for (const id of this.filter) {
          const e = this.table.get(id);
          if (e) joined.push({ publicKey: e.key, nodeName: e.nodeName });
        }
      } else {
        for (const e of this.table.entries()) joined.push({ publicKey: e.key, nodeName: e.nodeName });
      }
      msg = { snapshot: true, joined, left: [] };
      this.needSnapshot = false;
    } else {
      if (this.joins.size === 0 && this.leaves.size === 0) return;
      msg = {
        snapshot: false,
        joined: [...this.joins.values()].filter((e) => !e.closed).map((e) => ({ publicKey: e.key, nodeName: e.nodeName })),
        left: [...this.leaves.values()],
      };
    }
    this.joins.clear();
    this.leaves.clear();
    if (!this.sink.write(msg)) {
      this.waitingForDrain = true;
      this.sink.onDrain(() => {
        this.waitingForDrain = false;
        this.flush();
      });
    }
  }
}
