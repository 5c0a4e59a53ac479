import { createSocket, type Socket } from 'node:dgram';

/** Where a datagram came from. */
export interface UdpPeer {
  address: string;
  port: number;
}

/**
 * The narrow port over one UDP socket. `send` without a destination requires `connect` first and
 * then goes out without an address in the syscall (libuv's sendmsg with no msg_name, equivalent to
 * write(2)), which BPF `sendmsg` hooks such as Cilium's socket-LB never see.
 */
export interface UdpSocket {
  bind(port: number, address: string): Promise<void>;
  connect(port: number, address: string): Promise<void>;
  /** Rejects with an error carrying the errno name in `code` (e.g. `EPERM`). */
  send(data: Buffer, to?: UdpPeer): Promise<void>;
  onMessage(handler: (data: Buffer, from: UdpPeer) => void): void;
  localPort(): number;
  close(): void;
}

/** Creates unbound sockets; the factory decides the family. */
export type UdpSocketFactory = () => UdpSocket;

/**
 * A {@link UdpSocketFactory} over node:dgram (`udp4` or `udp6`). `bufferBytes` sets SO_RCVBUF and
 * SO_SNDBUF (the kernel default of about 208 KiB overflows on WireGuard bursts when the loop is busy).
 */
export function dgramSocketFactory(type: 'udp4' | 'udp6' = 'udp4', opts: { bufferBytes?: number } = {}): UdpSocketFactory {
  const buffers = opts.bufferBytes ? { recvBufferSize: opts.bufferBytes, sendBufferSize: opts.bufferBytes } : {};
  return () => new DgramSocket(createSocket({ type, ...buffers }));
}

class DgramSocket implements UdpSocket {
  constructor(private readonly s: Socket) {
    s.on('error', () => undefined); // asynchronous errors are reported through send callbacks
  }

  bind(port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.s.once('error', reject);
      this.s.bind(port, address, () => {
        this.s.off('error', reject);
        resolve();
      });
    });
  }

  connect(port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.s.connect(port, address, (err?: Error) => (err ? reject(err) : resolve()));
    });
  }

  send(data: Buffer, to?: UdpPeer): Promise<void> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | null) => (err ? reject(err) : resolve());
      if (to) this.s.send(data, to.port, to.address, cb);
      else this.s.send(data, cb);
    });
  }

  onMessage(handler: (data: Buffer, from: UdpPeer) => void): void {
    this.s.on('message', (msg, rinfo) => handler(msg, { address: rinfo.address, port: rinfo.port }));
  }

  localPort(): number {
    return this.s.address().port;
  }

  close(): void {
    try {
      this.s.close();
    } catch {
      // already closed
    }
  }
}
