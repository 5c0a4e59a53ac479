import type { BackoffOptions, Clock, Logger, Rng, TimerHandle } from '@wirekube/util';
import { randomInt } from 'node:crypto';
import { backoffDelay, seededRng, errorMessage, nullLogger, systemClock } from '@wirekube/util';
import type { UdpPeer, UdpSocket, UdpSocketFactory } from './udp-port';

/** Counters for metrics (monotonic since construction). */
export interface EpermSafeStats {
  /** Sends that failed with EPERM. */
  epermErrors: number;
  /** Sockets re-created after EPERM. */
  recreations: number;
  /** Datagrams dropped because the socket was being re-created or the send failed. */
  dropped: number;
  /** Datagrams handed to the kernel. */
  sent: number;
}

/** Options for {@link EpermSafeUdpSocket}. */
export interface EpermSafeOptions {
  factory: UdpSocketFactory;
  localAddress: string;
  /** 0 picks a port on first bind; every re-creation then reuses that same port. */
  localPort: number;
  /** When set, the socket is connected and sends carry no destination (preferred). */
  remote?: UdpPeer;
  /** Delay before re-creating after EPERM; grows on repeated EPERM. Default 200 ms → 5 s. */
  recreateBackoff?: BackoffOptions;
  clock?: Clock;
  rng?: Rng;
  logger?: Logger;
  /** Called on every EPERM, e.g. to increment a Prometheus counter. */
  onEperm?: () => void;
}

/**
 * A UDP socket that survives EPERM from `sendmsg`. Cilium's socket-LB (and any BPF cgroup
 * sendmsg hook or OUTPUT-chain drop) can make sends fail with EPERM; some hooks then keep failing
 * on that socket. On EPERM this closes the socket, waits a short backoff, and binds a new one on
 * the same local port (peers keep seeing the same source), connecting it again. Datagrams sent
 * meanwhile are dropped and counted — UDP senders above (WireGuard) retransmit anyway.
 */
export class EpermSafeUdpSocket {
  private readonly o: EpermSafeOptions & { clock: Clock; rng: Rng; logger: Logger; recreateBackoff: BackoffOptions };
  private sock?: UdpSocket;
  private port: number;
  private handler?: (data: Buffer, from: UdpPeer) => void;
  private timer?: TimerHandle;
  private attempt = 0;
  private closed = false;
  private readonly counters: EpermSafeStats = { epermErrors: 0, recreations: 0, dropped: 0, sent: 0 };

  constructor(opts: EpermSafeOptions) {
    this.o = { clock: systemClock, rng: jitterRng(), logger: nullLogger, recreateBackoff: { initialMs: 200, maxMs: 5000 }, ...opts };
    this.o.logger = this.o.logger.child({ component: 'eperm-safe-udp' });
    this.port = opts.localPort;
  }

  /** Binds (and connects) the first socket. */
  async open(): Promise<void> {
    this.sock = await this.create();
  }

  /** The bound local port (stable across re-creations). */
  get localPort(): number {
    return this.port;
  }

  /** True while a socket is open (false between an EPERM and the re-creation). */
  get healthy(): boolean {
    return this.sock !== undefined;
  }

  /** Receives datagrams from whichever socket is current. */
  onMessage(handler: (data: Buffer, from: UdpPeer) => void): void {
    this.handler = handler;
  }

  /**
   * Sends one datagram (to the connected remote unless `to` is given). Resolves true when the
   * kernel took it, false when it was dropped (EPERM, re-creating, or another send error).
   */
  async send(data: Buffer, to?: UdpPeer): Promise<boolean> {
    const sock = this.sock;
    if (!sock) {
      this.counters.dropped++;
      return false;
    }
    try {
      await sock.send(data, to);
      this.counters.sent++;
      this.attempt = 0;
      return true;
    } catch (err) {
      this.counters.dropped++;
      if ((err as NodeJS.ErrnoException).code === 'EPERM') this.onEperm(sock);
      return false;
    }
  }

  /** A copy of the counters. */
  stats(): EpermSafeStats {
    return { ...this.counters };
  }

  /** Closes the socket and cancels a pending re-creation. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.sock?.close();
    this.sock = undefined;
  }

  private onEperm(sock: UdpSocket): void {
    this.counters.epermErrors++;
    this.o.onEperm?.();
    if (this.sock !== sock) return; // already being replaced
    sock.close();
    this.sock = undefined;
    this.scheduleRecreate();
  }

  private scheduleRecreate(): void {
    if (this.closed) return;
    const delay = backoffDelay(this.attempt++, this.o.recreateBackoff, this.o.rng);
    this.o.logger.warn('send failed with EPERM; re-creating socket', { port: this.port, delayMs: delay });
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.create().then(
        (s) => {
          if (this.closed) return s.close();
          this.sock = s;
          this.counters.recreations++;
        },
        (err: unknown) => {
          // e.g. EADDRINUSE while the old socket lingers: try again later, same port.
          this.o.logger.warn('socket re-creation failed', { port: this.port, error: errorMessage(err) });
          this.scheduleRecreate();
        },
      );
    }, delay);
  }

  private async create(): Promise<UdpSocket> {
    const s = this.o.factory();
    try {
      await s.bind(this.port, this.o.localAddress);
      this.port = s.localPort();
      if (this.o.remote) await s.connect(this.o.remote.port, this.o.remote.address);
    } catch (err) {
      s.close();
      throw err;
    }
    s.onMessage((data, from) => this.handler?.(data, from));
    return s;
  }
}

// Backoff jitter needs no secrecy; a seeded generator with a random seed is enough (and
// util's cryptoRng.next() currently throws: randomInt's range must stay below 2^48).
function jitterRng() {
  return seededRng(randomInt(2 ** 31));
}
