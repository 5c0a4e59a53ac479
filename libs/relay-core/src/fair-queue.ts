/**
 * Bounds of one destination's queue. Both limits apply; whichever is reached first triggers drops.
 */
export interface FairQueueLimits {
  /** Most bytes (sum of item sizes) held at once. */
  maxBytes: number;
  /** Most items held at once. */
  maxItems: number;
}

/** What happened to an offered item. */
export interface EnqueueResult {
  /** False when the offered item itself was dropped (its source already held the largest share). */
  accepted: boolean;
  /** Items of other sources evicted to make room (each counts as a "queue-full" drop). */
  evicted: number;
}

class SubQueue<T> {
  items: T[] = [];
  head = 0;
  bytes = 0;
  constructor(readonly source: string) {}
  get length(): number {
    return this.items.length - this.head;
  }
  shift(): T {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    // Compact occasionally so a long-lived backlog does not keep a growing sparse array.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * The queue of datagrams waiting for one destination, fair between sources: each source has its
 * own FIFO sub-queue and {@link FairQueue.drain} takes one item from each non-empty sub-queue in
 * turn (round robin), so a busy sender cannot starve a quiet one. Order is preserved per source.
 *
 * When full, room is made by dropping the newest item of the source holding the most bytes (the
 * "longest queue drop" rule): a flooding source loses its own excess while others keep their
 * share. Pure data structure; no I/O, no timers.
 */
export class FairQueue<T> {
  private readonly subs = new Map<string, SubQueue<T>>();
  /** Non-empty sub-queues in round-robin order; `next` indexes the one to serve next. */
  private ring: SubQueue<T>[] = [];
  private next = 0;
  private totalBytes = 0;
  private totalItems = 0;

  constructor(
    private readonly limits: FairQueueLimits,
    private readonly sizeOf: (item: T) => number,
  ) {}

  /** Items currently queued. */
  get length(): number {
    return this.totalItems;
  }

  /** Bytes currently queued. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Offers `item` from `source`; see {@link EnqueueResult}. An item larger than maxBytes is refused. */
  enqueue(source: string, item: T): EnqueueResult {
    const size = this.sizeOf(item);
    if (size > this.limits.maxBytes) return { accepted: false, evicted: 0 };
    let evicted = 0;
    while (this.totalBytes + size > this.limits.maxBytes || this.totalItems + 1 > this.limits.maxItems) {
      const victim = this.largest();
      if (!victim || victim.source === source) return { accepted: false, evicted };
      // A source whose share is no larger than the newcomer's would-be share keeps its items.
      if (victim.bytes <= (this.subs.get(source)?.bytes ?? 0) + size) return { accepted: false, evicted };
      this.dropNewest(victim);
      evicted++;
    }
    let sub = this.subs.get(source);
    if (!sub) {
      sub = new SubQueue<T>(source);
      this.subs.set(source, sub);
    }
    if (sub.length === 0) this.ring.push(sub);
    sub.items.push(item);
    sub.bytes += size;
    this.totalBytes += size;
    this.totalItems++;
    return { accepted: true, evicted };
  }

  /**
   * Removes items in round-robin order across sources, calling `take` for each, until the queue is
   * empty or `take` returns false (the item it was offered is still consumed). Returns the count.
   */
  drain(take: (item: T, source: string) => boolean): number {
    let n = 0;
    while (this.ring.length > 0) {
      if (this.next >= this.ring.length) this.next = 0;
      const sub = this.ring[this.next]!;
      const item = sub.shift();
      const size = this.sizeOf(item);
      sub.bytes -= size;
      this.totalBytes -= size;
      this.totalItems--;
      n++;
      if (sub.length === 0) {
        this.ring.splice(this.next, 1);
        this.subs.delete(sub.source);
      } else {
        this.next++;
      }
      if (!take(item, sub.source)) break;
    }
    return n;
  }

  /** Drops everything queued from `source` (it went away); returns how many items were dropped. */
  removeSource(source: string): number {
    const sub = this.subs.get(source);
    if (!sub) return 0;
    const n = sub.length;
    this.totalBytes -= sub.bytes;
    this.totalItems -= n;
    const i = this.ring.indexOf(sub);
    this.ring.splice(i, 1);
    if (i < this.next) this.next--;
    this.subs.delete(source);
    return n;
  }

  /** Drops everything; returns how many items were dropped. */
  clear(): number {
    const n = this.totalItems;
    this.subs.clear();
    this.ring = [];
    this.next = 0;
    this.totalBytes = 0;
    this.totalItems = 0;
    return n;
  }

  private largest(): SubQueue<T> | undefined {
    let best: SubQueue<T> | undefined;
    for (const s of this.ring) if (!best || s.bytes > best.bytes) best = s;
    return best;
  }

  private dropNewest(sub: SubQueue<T>): void {
    const item = sub.items.pop()!;
    const size = this.sizeOf(item);
    sub.bytes -= size;
    this.totalBytes -= size;
    this.totalItems--;
    if (sub.length === 0) {
      const i = this.ring.indexOf(sub);
      this.ring.splice(i, 1);
      if (i < this.next) this.next--;
      this.subs.delete(sub.source);
      sub.items = [];
      sub.head = 0;
    }
  }
}
