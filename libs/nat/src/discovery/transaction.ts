import type { Clock } from '@wirekube/util';
import type { TransportAddress } from '../net/address';
import type { UdpPort } from '../net/udp-port';
import { StunClass } from '../stun/constants';
import { decodeStun, encodeStun, type StunMessage } from '../stun/message';

/** Retransmission and timeout of one STUN transaction. All in milliseconds. */
export interface TransactionTiming {
  /** Give up after this long. */
  timeoutMs: number;
  /** First retransmission after this long; each later gap doubles (RFC 8489 §6.2.1). Default 100. */
  initialRtoMs?: number;
}

/** A response and where it came from. */
export interface StunReply {
  message: StunMessage;
  /** The address the response arrived from (differs from the target after CHANGE-REQUEST). */
  from: TransportAddress;
  /** Round-trip time of the first transmission, in ms. */
  rttMs: number;
}

/**
 * Sends `request` to `to` over `port`, retransmitting with doubling gaps, and resolves with the
 * first success or error response carrying the same transaction id, from any source address.
 * Resolves undefined on timeout: silence is a result in NAT discovery, not a failure. Datagrams
 * that are not the awaited response are ignored. A send error (e.g. EPERM) ends it early.
 */
export function stunTransaction(port: UdpPort, to: TransportAddress, request: StunMessage, clock: Clock, timing: TransactionTiming): Promise<StunReply | undefined> {
  const bytes = encodeStun(request, { fingerprint: true });
  const started = clock.monotonic();
  return new Promise((resolve) => {
    let rto = timing.initialRtoMs ?? 100;
    let retransmit: ReturnType<Clock['setTimeout']> | undefined;
    const finish = (reply: StunReply | undefined) => {
      off();
      clock.clearTimeout(deadline);
      if (retransmit) clock.clearTimeout(retransmit);
      resolve(reply);
    };
    const off = port.onMessage((data, from) => {
      let m: StunMessage;
      try {
        m = decodeStun(data);
      } catch {
        return; // decodeStun throws only StunError: not STUN, or not well-formed
      }
      if (m.cls !== StunClass.SuccessResponse && m.cls !== StunClass.ErrorResponse) return;
      if (m.cookie !== request.cookie || !m.transactionId.equals(request.transactionId)) return;
      finish({ message: m, from: { ...from }, rttMs: clock.monotonic() - started });
    });
    const deadline = clock.setTimeout(() => finish(undefined), timing.timeoutMs);
    const send = () => {
      port.send(bytes, to).catch(() => finish(undefined));
      retransmit = clock.setTimeout(send, rto);
      rto *= 2;
    };
    send();
  });
}
