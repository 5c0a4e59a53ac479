import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { TransportAddress } from './address';
import type { BindOptions, DatagramHandler, UdpPort } from './udp-port';

/** Options of a real socket. */
export interface DgramPortOptions extends BindOptions {
  /** Receive buffer size in bytes, for servers that take bursts. */
  recvBufferSize?: number;
}

class DgramPort implements UdpPort {
  private handlers = new Set<DatagramHandler>();
  private closed = false;

  constructor(
    private readonly socket: Socket,
    readonly local: TransportAddress,
  ) {
    socket.on('message', (msg, rinfo) => {
      const from = { ip: rinfo.address, port: rinfo.port };
      for (const h of this.handlers) h(msg, from);
    });
    // A UDP socket reports ICMP errors of earlier sends asynchronously; they concern one
    // datagram, never the socket, so they must not take the process down.
    socket.on('error', () => {});
  }

  send(data: Uint8Array, to: TransportAddress): Promise<void> {
    if (this.closed) return Promise.reject(new Error('UDP port is closed'));
    return new Promise((resolve, reject) => {
      this.socket.send(data, to.port, to.ip, (err) => (err ? reject(err) : resolve()));
    });
  }

  onMessage(handler: DatagramHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.handlers.clear();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * Binds a real UDP socket (IPv4 unless `ip` is IPv6). Rejects with the bind error
 * (EADDRINUSE, EADDRNOTAVAIL) instead of emitting it.
 */
export function openDgramPort(opts: DgramPortOptions = {}): Promise<UdpPort> {
  const ip = opts.ip ?? '0.0.0.0';
  const socket = createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4', ...(opts.recvBufferSize && { recvBufferSize: opts.recvBufferSize }) });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address: ip, port: opts.port ?? 0, exclusive: true }, () => {
      socket.off('error', onError);
      const a = socket.address();
      resolve(new DgramPort(socket, { ip: a.address, port: a.port }));
    });
  });
}
