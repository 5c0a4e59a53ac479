import type { Endpoint } from '@wirekube/proto';
import type { Logger } from '@wirekube/util';
import type { RelayTransport } from './relay-client';
import { epermSafeProxySockets, type ProxySocket, type ProxySocketFactory } from './proxy-socket';

/** Options of a {@link RelayProxy}. */
export interface RelayProxyOptions {
  transport: RelayTransport;
  /** Where WireGuard listens (normally 127.0.0.1 and the mesh port 51822). */
  wgHost: string;
  wgPort: number;
  logger: Logger;
  /** Opens the per-peer loopback sockets; libs/wg's EPERM-safe sockets by default. */
  socketFactory?: ProxySocketFactory;
}

/** Datagram counters of a proxy. */
export interface RelayProxyCounters {
  /** WireGuard → relay datagrams accepted by the transport. */
  toRelay: number;
  /** WireGuard → relay datagrams the transport refused (peer not present, backed up). */
  notSent: number;
  /** Relay → WireGuard datagrams delivered. */
  fromRelay: number;
  /** Relay datagrams from a key with no proxy endpoint (not a peer of ours): dropped. */
  unknownSource: number;
}

/**
 * The local relay proxy: one loopback UDP endpoint per remote peer that WireGuard uses as that
 * peer's endpoint while the pair is relayed. Datagrams WireGuard sends there are framed onto the
 * relay addressed to the peer's key; datagrams the relay delivers from that key are sent to
 * WireGuard from the same endpoint, so WireGuard sees one stable peer address.
 */
export class RelayProxy {
  readonly counters: RelayProxyCounters = { toRelay: 0, notSent: 0, fromRelay: 0, unknownSource: 0 };
  private readonly peers = new Map<string, Promise<ProxySocket>>();
  private readonly open = new Map<string, ProxySocket>();
  private readonly unsubscribe: () => void;
  /** The last source seen and its endpoint: relayed datagrams come in runs from the same peer. */
  private lastSrc: Buffer | undefined;
  private lastSock: ProxySocket | undefined;

  constructor(private readonly opts: RelayProxyOptions) {
    this.unsubscribe = opts.transport.onDatagram((src, data) => {
      let sock = this.lastSrc !== undefined && src.equals(this.lastSrc) ? this.lastSock : undefined;
      if (!sock) {
        sock = this.open.get(src.toString('latin1'));
        if (sock) [this.lastSrc, this.lastSock] = [Buffer.from(src), sock];
      }
      if (!sock) {
        this.counters.unknownSource++;
        return;
      }
      this.counters.fromRelay++;
      // `data` views a receive chunk that is never reused, so it may outlive this call.
      sock.send(data);
    });
  }

  /**
   * Ensures an endpoint for the peer with raw public key `key` and returns the address to give
   * WireGuard as its endpoint. Idempotent: the same key always gets the same endpoint.
   */
  async addPeer(key: Uint8Array): Promise<Endpoint> {
    const k = Buffer.from(key);
    const id = k.toString('latin1');
    let p = this.peers.get(id);
    if (!p) {
      const factory = this.opts.socketFactory ?? epermSafeProxySockets({ logger: this.opts.logger });
      p = factory({
        wgHost: this.opts.wgHost,
        wgPort: this.opts.wgPort,
        onMessage: (data) => {
          if (this.opts.transport.send(k, data)) this.counters.toRelay++;
          else this.counters.notSent++;
        },
      });
      this.peers.set(id, p);
      p.then(
        (s) => (this.peers.get(id) === p ? this.open.set(id, s) : s.close()),
        () => this.peers.delete(id),
      );
    }
    const s = await p;
    return { ip: this.opts.wgHost.includes(':') ? '::1' : '127.0.0.1', port: s.port };
  }

  /** The endpoint of a peer, if it has one. */
  endpointOf(key: Uint8Array): Endpoint | undefined {
    const s = this.open.get(Buffer.from(key).toString('latin1'));
    return s && { ip: this.opts.wgHost.includes(':') ? '::1' : '127.0.0.1', port: s.port };
  }

  /** Closes the peer's endpoint (the pair went direct or the peer left); idempotent. */
  removePeer(key: Uint8Array): void {
    const id = Buffer.from(key).toString('latin1');
    if (this.lastSock && this.lastSock === this.open.get(id)) this.lastSrc = this.lastSock = undefined;
    this.open.get(id)?.close();
    this.open.delete(id);
    this.peers.delete(id);
  }

  /** Closes every endpoint and stops listening to the transport. */
  close(): void {
    this.unsubscribe();
    this.lastSrc = this.lastSock = undefined;
    for (const s of this.open.values()) s.close();
    this.open.clear();
    this.peers.clear();
  }
}
