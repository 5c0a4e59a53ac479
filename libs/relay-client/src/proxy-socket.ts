import { dgramSocketFactory, EpermSafeUdpSocket, type EpermSafeStats, type UdpSocketFactory } from '@wirekube/wg';
import { cryptoRng, nullLogger, systemClock, type Clock, type Logger, type Rng } from '@wirekube/util';

/**
 * A loopback UDP socket dedicated to one remote peer: WireGuard's endpoint for that peer is this
 * socket's port, and the socket is connected to WireGuard's own port so that (a) only WireGuard's
 * datagrams reach it and (b) sends use the connected path, which Cilium's sendmsg hooks leave
 * alone (DESIGN §4: EPERM on sendto from host-network pods).
 */
export interface ProxySocket {
  /** The local port WireGuard sends this peer's datagrams to. */
  readonly port: number;
  /** Delivers a datagram to WireGuard. Never throws; failures are counted by the implementation. */
  send(datagram: Buffer): void;
  /** Send counters (EPERM included). */
  stats(): EpermSafeStats;
  close(): void;
}

/** Opens a {@link ProxySocket} bound on loopback and connected to `wgHost:wgPort`. */
export type ProxySocketFactory = (opts: { wgHost: string; wgPort: number; onMessage: (data: Buffer) => void }) => Promise<ProxySocket>;

/**
 * Proxy sockets over libs/wg's {@link EpermSafeUdpSocket}: connected to WireGuard, re-created on the
 * same port after EPERM (so WireGuard's endpoint for the peer stays valid), drops counted.
 */
export function epermSafeProxySockets(opts: { clock?: Clock; rng?: Rng; logger?: Logger; onEperm?: () => void; factory?: UdpSocketFactory } = {}): ProxySocketFactory {
  return async ({ wgHost, wgPort, onMessage }) => {
    const v6 = wgHost.includes(':');
    const s = new EpermSafeUdpSocket({
      factory: opts.factory ?? dgramSocketFactory(v6 ? 'udp6' : 'udp4', { bufferBytes: PROXY_SOCKET_BUFFER_BYTES }),
      localAddress: v6 ? '::1' : '127.0.0.1',
      localPort: 0,
      remote: { address: wgHost, port: wgPort },
      clock: opts.clock ?? systemClock,
      rng: opts.rng ?? cryptoRng,
      logger: opts.logger ?? nullLogger,
      onEperm: opts.onEperm,
    });
    await s.open();
    s.onMessage((d) => onMessage(d));
    return {
      port: s.localPort,
      send: (d) => void s.send(d),
      stats: () => s.stats(),
      close: () => s.close(),
    };
  };
}

/**
 * Socket buffer size of proxy sockets. WireGuard sends in bursts; with the kernel default (208 KiB,
 * about 90 full-size datagrams) the proxy's socket overflowed in the lab whenever the event loop was
 * busy for a few milliseconds, and every overflow is a loss the tunnelled TCP backs off from. The
 * kernel clamps it to net.core.rmem_max / wmem_max.
 */
export const PROXY_SOCKET_BUFFER_BYTES = 4 << 20;
