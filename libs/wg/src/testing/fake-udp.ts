import type { UdpPeer, UdpSocket, UdpSocketFactory } from '../udp/udp-port';

/**
 * An in-memory UDP network for unit tests. Sockets bound here deliver to each other; a port can
 * be made to fail sends with an errno (as an OUTPUT-chain drop makes the kernel return EPERM),
 * and binding a port still held by an open socket fails with EADDRINUSE.
 */
export class FakeUdpNetwork {
  private readonly sockets = new Map<number, FakeUdpSocket>();
  private readonly failing = new Map<number, string>();
  private nextPort = 40000;
  /** Every bind, in order, as `address:port`. */
  readonly binds: string[] = [];

  /** A factory for sockets on this network. */
  readonly factory: UdpSocketFactory = () => new FakeUdpSocket(this);

  /** Makes sends from `port` fail with `code` (e.g. `EPERM`) until {@link heal}. */
  failSends(port: number, code: string): void {
    this.failing.set(port, code);
  }

  heal(port: number): void {
    this.failing.delete(port);
  }

  /** @internal */
  bind(s: FakeUdpSocket, port: number, address: string): number {
    const p = port || this.nextPort++;
    if (this.sockets.has(p)) throw Object.assign(new Error(`bind ${p}: address in use`), { code: 'EADDRINUSE' });
    this.sockets.set(p, s);
    this.binds.push(`${address}:${p}`);
    return p;
  }

  /** @internal */
  release(port: number, s: FakeUdpSocket): void {
    if (this.sockets.get(port) === s) this.sockets.delete(port);
  }

  /** @internal */
  deliver(fromPort: number, to: UdpPeer, data: Buffer): void {
    const code = this.failing.get(fromPort);
    if (code) throw Object.assign(new Error(`send: ${code}`), { code });
    this.sockets.get(to.port)?.receive(data, { address: '127.0.0.1', port: fromPort });
  }
}

class FakeUdpSocket implements UdpSocket {
  private port = 0;
  private remote?: UdpPeer;
  private handler?: (data: Buffer, from: UdpPeer) => void;
  closed = false;

  constructor(private readonly net: FakeUdpNetwork) {}

  async bind(port: number, address: string): Promise<void> {
    this.port = this.net.bind(this, port, address);
  }

  async connect(port: number, address: string): Promise<void> {
    this.remote = { port, address };
  }

  async send(data: Buffer, to?: UdpPeer): Promise<void> {
    const dest = to ?? this.remote;
    if (this.closed || !dest) throw Object.assign(new Error('send on closed or unconnected socket'), { code: 'EBADF' });
    this.net.deliver(this.port, dest, data);
  }

  onMessage(handler: (data: Buffer, from: UdpPeer) => void): void {
    this.handler = handler;
  }

  receive(data: Buffer, from: UdpPeer): void {
    if (!this.closed) this.handler?.(data, from);
  }

  localPort(): number {
    return this.port;
  }

  close(): void {
    this.closed = true;
    this.net.release(this.port, this);
  }
}
