import { createSocket } from 'node:dgram';

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
  send(datagram: Uint8Array): void;
  close(): void;
}

/** Opens a {@link ProxySocket} bound on loopback and connected to `wgHost:wgPort`. */
export type ProxySocketFactory = (opts: { wgHost: string; wgPort: number; onMessage: (data: Buffer) => void }) => Promise<ProxySocket>;

/**
 * The node:dgram implementation: bind 127.0.0.1:0 (or the same family as wgHost), connect to
 * WireGuard. Send errors (EPERM included) are counted in `errors` and the datagram is lost, as it
 * would be on the wire; WireGuard retransmits handshakes itself.
 */
export const dgramProxySocket: ProxySocketFactory = async ({ wgHost, wgPort, onMessage }) => {
  const v6 = wgHost.includes(':');
  const sock = createSocket({ type: v6 ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, v6 ? '::1' : '127.0.0.1', () => {
      sock.off('error', reject);
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(wgPort, wgHost, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  let errors = 0;
  sock.on('error', () => errors++);
  sock.on('message', (m) => onMessage(m));
  const port = sock.address().port;
  return {
    port,
    send(datagram) {
      sock.send(datagram, (err) => {
        if (err) errors++;
      });
    },
    close() {
      try {
        sock.close();
      } catch {
        // already closed
      }
    },
    get errors() {
      return errors;
    },
  } as ProxySocket;
};
