import type { Clock } from '@wirekube/util';
import { formatAddress, type TransportAddress } from '../net/address';
import type { UdpPort } from '../net/udp-port';
import { decodeProbe, encodeProbe } from './probe-packet';

/** Options of {@link spray}. */
export interface SprayOptions {
  /** The sockets to probe from. The sprayer never closes them; see {@link SprayOptions.release}. */
  sockets: readonly UdpPort[];
  /** Where to send probes. Each round sends from every socket to one target, cycling. */
  targets: readonly TransportAddress[];
  /** 16-byte session token both sides agreed on; probes with another token are ignored. */
  token: Buffer;
  clock: Clock;
  /** Upper bound of probes sent per second across all sockets. */
  ratePerSec: number;
  /** Give up after this long. */
  durationMs: number;
  /** Keep acking probes on the winning socket this long after winning (the peer may have missed our ack). Default 2000. */
  lingerMs?: number;
  /** Called with every socket that did not win, once the spray ends (e.g. to close them). */
  release?: (loser: UdpPort) => void;
  signal?: AbortSignal;
}

/** The socket that got through and the peer address it reached. */
export interface SprayWin {
  port: UdpPort;
  remote: TransportAddress;
  /** Probes sent before the win. */
  sent: number;
  elapsedMs: number;
}

const TICK_MS = 10;

/**
 * Sends punch probes from many sockets to many targets at a bounded rate until one socket
 * receives a probe or ack carrying `token`, then acks a probe and resolves with that socket and
 * the peer's address. Resolves undefined at the deadline or on abort. Pairs are scheduled
 * target-major: every socket sends to target 0, then every socket to target 1, ..., then again
 * from the start — so one socket × many ports (the easy side of a birthday attack), many sockets
 * × one port (the hard side) and one socket × a few candidates (plain hole punching) are all the
 * same loop.
 */
export function spray(o: SprayOptions): Promise<SprayWin | undefined> {
  const started = o.clock.monotonic();
  const perTick = (o.ratePerSec * TICK_MS) / 1000;
  const total = o.sockets.length * o.targets.length;
  return new Promise((resolve) => {
    let next = 0;
    let sent = 0;
    // Send credit: grows by the rate each tick, so low rates (a few probes per second) are kept
    // exactly instead of being rounded up to one probe per tick. The first probe goes at once.
    let credit = Math.max(1, perTick);
    let done = false;
    let tick: ReturnType<Clock['setTimeout']> | undefined;
    const offs = o.sockets.map((port) => port.onMessage((data, from) => onPacket(port, data, from)));
    const finish = (win: SprayWin | undefined) => {
      if (done) return;
      done = true;
      offs.forEach((off) => off());
      o.clock.clearTimeout(deadline);
      if (tick) o.clock.clearTimeout(tick);
      o.signal?.removeEventListener('abort', onAbort);
      for (const s of o.sockets) if (s !== win?.port) o.release?.(s);
      if (win) linger(win);
      resolve(win);
    };
    const onAbort = () => finish(undefined);
    const onPacket = (port: UdpPort, data: Buffer, from: TransportAddress) => {
      const p = decodeProbe(data);
      if (!p || !p.token.equals(o.token) || done) return;
      if (p.kind === 'probe') port.send(encodeProbe('ack', o.token, p.seq), from).catch(() => {});
      finish({ port, remote: { ...from }, sent, elapsedMs: o.clock.monotonic() - started });
    };
    const linger = (win: SprayWin) => {
      const off = win.port.onMessage((data, from) => {
        const p = decodeProbe(data);
        if (p?.kind === 'probe' && p.token.equals(o.token) && formatAddress(from) === formatAddress(win.remote)) {
          win.port.send(encodeProbe('ack', o.token, p.seq), from).catch(() => {});
        }
      });
      o.clock.setTimeout(off, o.lingerMs ?? 2000);
    };
    const round = () => {
      for (; credit >= 1 && !done && total > 0; credit--, next = (next + 1) % total) {
        const socket = o.sockets[next % o.sockets.length]!;
        const target = o.targets[Math.floor(next / o.sockets.length)]!;
        socket.send(encodeProbe('probe', o.token, sent++), target).catch(() => {});
      }
      credit = Math.min(credit + perTick, perTick + 1);
      if (!done) tick = o.clock.setTimeout(round, TICK_MS);
    };
    const deadline = o.clock.setTimeout(() => finish(undefined), o.durationMs);
    if (o.signal?.aborted) return finish(undefined);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    round();
  });
}
