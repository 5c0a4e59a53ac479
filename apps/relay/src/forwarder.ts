import { FrameType, writeAddressed } from '@wirekube/relay-core';
import type { RelayCounters } from './relay-stats';
import { QUEUE_ITEM_OVERHEAD, type PeerEntry, type QueuedDatagram } from './session-table';

/** Forwarding limits. Bytes everywhere. */
export interface ForwarderOptions {
  /** Bytes of frames coalesced into one socket write. */
  batchBytes: number;
  /** Bytes held across all queues before new datagrams are dropped as "relay-overload". */
  maxQueuedBytes: number;
}

/**
 * Moves datagrams from senders to receivers. A datagram is put in its destination's fair queue
 * (never written directly), and destinations touched while reading a chunk are flushed once the
 * chunk is consumed, so many frames leave in one write. A destination whose socket is backlogged
 * keeps its datagrams queued (bounded; drops are counted) and is flushed again on 'drain' —
 * senders are never paused for it, so one stalled receiver delays nobody else.
 */
export class Forwarder {
  private queuedBytes = 0;
  private readonly dirty = new Set<PeerEntry>();

  constructor(
    private readonly counters: RelayCounters,
    private readonly opts: ForwarderOptions,
  ) {}

  /** Bytes currently queued across all destinations. */
  get queued(): number {
    return this.queuedBytes;
  }

  /** Called when a dropped queue released `bytes` (session closed). */
  release(bytes: number): void {
    this.queuedBytes -= bytes;
  }

  /**
   * Queues `data` (a view into the sender's receive buffer) from `src` for `dst`, the registered
   * peer the frame is addressed to (undefined when nobody holds that key). Unknown destinations and
   * full queues are dropped and counted, never thrown.
   */
  forwardTo(src: PeerEntry, dst: PeerEntry | undefined, data: Buffer): void {
    if (!dst || dst.closed) return this.counters.drop('unknown-destination');
    if (this.queuedBytes + data.length > this.opts.maxQueuedBytes) return this.counters.drop('relay-overload');
    const sink = dst.data;
    // A datagram that will wait is copied, so it does not pin the sender's whole receive chunk.
    const waits = !sink || sink.backlogged();
    const item: QueuedDatagram = { src: src.key, data: waits ? Buffer.from(data) : data, cost: data.length + QUEUE_ITEM_OVERHEAD };
    const before = dst.queue.bytes;
    const r = dst.queue.enqueue(src.keyId, item);
    this.queuedBytes += dst.queue.bytes - before;
    if (r.evicted > 0) this.counters.drop('queue-full', r.evicted);
    if (!r.accepted) this.counters.drop('queue-full');
    if (!waits) this.dirty.add(dst);
  }

  /** Flushes every destination that received datagrams since the last call. */
  flushDirty(): void {
    for (const d of this.dirty) this.flush(d);
    this.dirty.clear();
  }

  /** Writes `dst`'s queue to its data connection in batches until empty or the socket backs up. */
  flush(dst: PeerEntry): void {
    const sink = dst.data;
    if (!sink || dst.closed) return;
    const batch: QueuedDatagram[] = [];
    while (dst.queue.length > 0 && !sink.backlogged()) {
      let bytes = 0;
      const before = dst.queue.bytes;
      dst.queue.drain((d) => {
        batch.push(d);
        bytes += d.cost;
        return bytes < this.opts.batchBytes;
      });
      this.queuedBytes -= before - dst.queue.bytes;
      const out = Buffer.allocUnsafe(bytes);
      let off = 0;
      for (const d of batch) {
        off = writeAddressed(out, off, FrameType.Recv, d.src, d.data);
        this.counters.bytesForwarded += d.data.length;
      }
      this.counters.framesForwarded += batch.length;
      batch.length = 0;
      sink.write(out);
    }
  }
}
