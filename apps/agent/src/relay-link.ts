import type { Tracer } from '@opentelemetry/api';
import type { HostPort } from '@wirekube/planner';
import { RelayControlClient } from '@wirekube/proto';
import { DEFAULT_RELAY_CLIENT_TUNING, RelayClient, RelayProxy, staticReplicas, type ReplicaAddress } from '@wirekube/relay-client';
import { createClient } from '@wirekube/runtime';
import type { Clock, Logger, Rng } from '@wirekube/util';
import type { WgKey } from '@wirekube/wg';

/** What the agent needs from the relay: sessions, presence and per-peer proxy endpoints. */
export interface RelayPort {
  /** At least one replica session is up. */
  localUp(): boolean;
  /** The remote peer (raw public key) is present on a replica this node is connected to. */
  present(key: Uint8Array): boolean;
  /** The proxy endpoint of a peer, if already opened. */
  endpoint(key: Uint8Array): HostPort | undefined;
  /** Opens (idempotently) the proxy endpoint WireGuard should use for the peer. */
  open(key: Uint8Array): Promise<HostPort>;
  /** Closes the peer's proxy endpoint. */
  forget(key: Uint8Array): void;
  /** Replica ids with an up session. */
  sessions(): string[];
  onChange(fn: () => void): void;
  close(): void;
}

/** Options of {@link RelayLink}. */
export interface RelayLinkOptions {
  replicas: ReplicaAddress[];
  nodeName: string;
  privateKey: WgKey;
  publicKey: WgKey;
  /** Loopback address and port WireGuard listens on (the mesh listen port). */
  wgPort: number;
  tracer: Tracer;
  clock: Clock;
  rng: Rng;
  logger: Logger;
}

/**
 * {@link RelayPort} over `@wirekube/relay-client`: a session with every replica (traced gRPC control
 * clients, so agent → relay calls show up in traces) and the local proxy bridging WireGuard onto it.
 */
export class RelayLink implements RelayPort {
  readonly client: RelayClient;
  readonly proxy: RelayProxy;

  constructor(o: RelayLinkOptions) {
    this.client = new RelayClient({
      ...DEFAULT_RELAY_CLIENT_TUNING,
      identity: { privateKey: o.privateKey.bytes(), publicKey: o.publicKey.bytes(), nodeName: o.nodeName },
      replicas: staticReplicas(o.replicas),
      clock: o.clock,
      rng: o.rng,
      logger: o.logger.child({ component: 'relay-client' }),
      createClient: (address) => createClient(RelayControlClient, address, { tracer: o.tracer }),
    });
    this.proxy = new RelayProxy({ transport: this.client, wgHost: '127.0.0.1', wgPort: o.wgPort, logger: o.logger.child({ component: 'relay-proxy' }) });
    this.client.start();
  }

  localUp(): boolean {
    return this.client.replicas().some((l) => l.up);
  }

  present(key: Uint8Array): boolean {
    return this.client.reachable(key);
  }

  endpoint(key: Uint8Array): HostPort | undefined {
    const e = this.proxy.endpointOf(key);
    return e && { host: e.ip, port: e.port };
  }

  async open(key: Uint8Array): Promise<HostPort> {
    const e = await this.proxy.addPeer(key);
    return { host: e.ip, port: e.port };
  }

  forget(key: Uint8Array): void {
    this.proxy.removePeer(key);
  }

  sessions(): string[] {
    return this.client.replicas().filter((l) => l.up).map((l) => l.id).sort();
  }

  onChange(fn: () => void): void {
    this.client.onChange(fn);
  }

  close(): void {
    this.proxy.close();
    this.client.close();
  }
}
