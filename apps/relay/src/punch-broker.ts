import type { PunchAnswer, PunchRequest } from '@wirekube/proto';
import type { Clock } from '@wirekube/util';
import type { PeerEntry, SessionTable } from './session-table';

/** Punch brokering settings. */
export interface PunchOptions {
  /** How far in the future the common start time is set, leaving time for both sides to receive it. */
  leadMs: number;
  /** How long an offer waits for its answer. */
  answerTimeoutMs: number;
  /** Offers awaiting an answer, relay-wide; the oldest is forgotten beyond this. */
  maxPending: number;
}

interface PendingPunch {
  startAtMs: number;
  expiresAt: number;
}

/**
 * Brokers coordinated hole punching: forwards a PunchRequest to its target as a PunchOffer with a
 * common start time, and forwards the target's PunchAnswer back to the requester with that same
 * time. Only answers to an offer actually delivered are forwarded, so a session cannot push
 * unsolicited answers at arbitrary peers. Bounded memory: at most `maxPending` offers are tracked.
 */
export class PunchBroker {
  private readonly pending = new Map<string, PendingPunch>();

  constructor(
    private readonly table: SessionTable,
    private readonly clock: Clock,
    private readonly opts: PunchOptions,
  ) {}

  /** Offers awaiting an answer. */
  get size(): number {
    return this.pending.size;
  }

  /** Handles a request from `from`; answers "peer-not-present" itself when the target is not here. */
  request(from: PeerEntry, req: PunchRequest): void {
    const to = this.table.get(Buffer.from(req.to).toString('latin1'));
    if (!to || to === from) {
      from.control.send({
        msg: {
          $case: 'punchAnswer',
          punchAnswer: { peer: req.to, punchId: req.punchId, accept: false, candidates: [], nat: undefined, startAtMs: 0, reason: 'peer-not-present' },
        },
      });
      return;
    }
    const now = this.clock.now();
    this.prune(now);
    const startAtMs = now + this.opts.leadMs;
    this.pending.set(pendingKey(from.keyId, to.keyId, req.punchId), { startAtMs, expiresAt: now + this.opts.answerTimeoutMs });
    to.control.send({
      msg: {
        $case: 'punchOffer',
        punchOffer: { from: from.key, punchId: req.punchId, candidates: req.candidates, nat: req.nat, mode: req.mode, startAtMs },
      },
    });
  }

  /** Handles `from`'s answer to an offer; returns false when no such offer is pending. */
  answer(from: PeerEntry, ans: PunchAnswer): boolean {
    const requesterId = Buffer.from(ans.peer).toString('latin1');
    const k = pendingKey(requesterId, from.keyId, ans.punchId);
    const p = this.pending.get(k);
    if (!p || p.expiresAt < this.clock.now()) return false;
    this.pending.delete(k);
    const requester = this.table.get(requesterId);
    requester?.control.send({
      msg: { $case: 'punchAnswer', punchAnswer: { ...ans, peer: from.key, startAtMs: p.startAtMs } },
    });
    return requester !== undefined;
  }

  private prune(now: number): void {
    // Insertion order is time order, so expired offers sit at the front.
    for (const [k, p] of this.pending) {
      if (p.expiresAt >= now && this.pending.size < this.opts.maxPending) break;
      this.pending.delete(k);
    }
  }
}

function pendingKey(requester: string, target: string, punchId: string): string {
  return `${requester}\u0000${target}\u0000${punchId}`;
}
