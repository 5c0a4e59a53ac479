import { FairQueue, type FairQueueLimits } from '@wirekube/relay-core';
import type { ServerMessage } from '@wirekube/proto';
import type { RelayCounters } from './relay-stats';

/** A datagram waiting in a destination's queue. `src` is the sender's 32-byte public key. */
export interface QueuedDatagram {
  src: Buffer;
  data: Buffer;
  /** Bytes charged against the queue: the datagram plus the frame overhead. */
  cost: number;
}

/** How the table reaches a control session (the gRPC stream). */
export interface ControlPort {
  /** Sends a message on the session's stream (presence, punch traffic). */
  send(msg: ServerMessage): void;
  /** Ends the session with a SessionError `code`; idempotent. */
  close(code: string, message: string): void;
}

/** A registered data connection, as the table and the forwarder reach it. */
export interface DataPort {
  /** Queues bytes on the socket. */
  write(buf: Buffer): void;
  /** True while the socket's own buffer is above its high-water mark: stop writing until drain. */
  backlogged(): boolean;
  /** Sends ERROR `code` and closes the connection; idempotent. */
  close(code: string, message: string): void;
}

/** Watches joins and leaves of peers on this replica. */
export interface PresenceListener {
  joined(peer: PeerEntry): void;
  left(keyId: string, key: Buffer): void;
}

/** Frame overhead charged per queued datagram (header + key), so tiny frames still cost. */
export const QUEUE_ITEM_OVERHEAD = 37;

/**
 * One proven peer on this replica: created when its control session proves possession of the key,
 * gone when that session ends or is replaced. Owns the queue of datagrams addressed to it, which
 * survives data-connection reconnects but not the control session.
 */
export class PeerEntry {
  /** The key as a latin1 string: the map key used on the forwarding hot path. */
  readonly keyId: string;
  data: DataPort | undefined;
  closed = false;
  readonly queue: FairQueue<QueuedDatagram>;

  constructor(
    readonly key: Buffer,
    readonly nodeName: string,
    readonly token: Buffer,
    readonly observedIp: string,
    readonly control: ControlPort,
    limits: FairQueueLimits,
  ) {
    this.keyId = key.toString('latin1');
    this.queue = new FairQueue<QueuedDatagram>(limits, (d) => d.cost);
  }
}

/**
 * The peers registered on this replica, indexed by key and by data-channel token. Registering a
 * key that is already present replaces the old entry: its control session and data connection are
 * closed with "replaced" and its queue is dropped ("session-closed"). Only a proven control session
 * may call {@link SessionTable.open}; nothing here authenticates.
 */
export class SessionTable {
  private readonly byKey = new Map<string, PeerEntry>();
  private readonly byTokenMap = new Map<string, PeerEntry>();
  private readonly listeners = new Set<PresenceListener>();

  constructor(
    private readonly limits: FairQueueLimits,
    private readonly counters: RelayCounters,
    /** Called with the bytes released when a queue is dropped (global budget accounting). */
    private readonly released: (bytes: number) => void,
  ) {}

  /** Number of registered peers. */
  get size(): number {
    return this.byKey.size;
  }

  /** The entry for a key id (latin1 string of the key), if registered. */
  get(keyId: string): PeerEntry | undefined {
    return this.byKey.get(keyId);
  }

  /** The entry whose data-channel token is `token` and whose key is `key`, if any. */
  byCredentials(key: Buffer, token: Buffer): PeerEntry | undefined {
    const e = this.byTokenMap.get(token.toString('latin1'));
    return e && e.key.equals(key) ? e : undefined;
  }

  /** The entry holding data-channel/probe token `token`, if any. */
  byToken(token: Buffer): PeerEntry | undefined {
    return this.byTokenMap.get(token.toString('latin1'));
  }

  /** All registered entries. */
  entries(): IterableIterator<PeerEntry> {
    return this.byKey.values();
  }

  /** Registers a proven peer, replacing any previous entry of the same key, and announces it. */
  open(key: Buffer, nodeName: string, token: Buffer, observedIp: string, control: ControlPort): PeerEntry {
    const entry = new PeerEntry(key, nodeName, token, observedIp, control, this.limits);
    const old = this.byKey.get(entry.keyId);
    if (old) this.retire(old, 'replaced', 'a newer session proved the same key');
    this.byKey.set(entry.keyId, entry);
    this.byTokenMap.set(token.toString('latin1'), entry);
    for (const l of this.listeners) l.joined(entry);
    return entry;
  }

  /** Removes `entry` if it is still the registered one (its session ended); announces the leave. */
  close(entry: PeerEntry): void {
    if (entry.closed) return;
    this.retire(entry, 'session-closed', 'control session ended');
    this.byKey.delete(entry.keyId);
    for (const l of this.listeners) l.left(entry.keyId, entry.key);
  }

  /** Subscribes to joins and leaves; returns the unsubscribe function. */
  subscribe(l: PresenceListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private retire(entry: PeerEntry, code: string, message: string): void {
    entry.closed = true;
    this.byTokenMap.delete(entry.token.toString('latin1'));
    const bytes = entry.queue.bytes;
    this.counters.drop('session-closed', entry.queue.clear());
    this.released(bytes);
    entry.data?.close(code, message);
    entry.data = undefined;
    entry.control.close(code, message);
  }
}
