import { promises as dns } from 'node:dns';
import type { Tracer } from '@opentelemetry/api';
import type { HostPort } from '@wirekube/planner';
import { RelayControlClient, type Candidate, type NatReport, type PunchAnswer } from '@wirekube/proto';
import { DEFAULT_RELAY_CLIENT_TUNING, dnsReplicas, RelayClient, RelayProxy, replicaAddressId, type IncomingPunch, type ReplicaAddress, type ReplicaResolver } from '@wirekube/relay-client';
import { createClient } from '@wirekube/runtime';
import { errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';
import type { WgKey } from '@wirekube/wg';

/** `direct` and `birthday` punch; `candidates` only exchanges candidates and NAT reports. */
export type PunchMode = 'direct' | 'birthday' | 'candidates';

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
  /** Asks the peer (raw public key) to punch with us; throws when no replica has it. */
  requestPunch(key: Uint8Array, req: { punchId: string; candidates: Candidate[]; nat?: NatReport; mode: PunchMode }): void;
  /** Punch offers from peers, each with the means to answer it. */
  onPunchOffer(fn: (p: IncomingPunch) => void): void;
  /** Answers to our punch requests. */
  onPunchAnswer(fn: (a: PunchAnswer) => void): void;
  close(): void;
}

/**
 * The replicas behind the configured relay endpoints: an IP literal is one replica, a DNS name
 * (the relay's headless Service) is every A/AAAA record it has now, so the agent holds a session
 * with each replica and delivery works whichever replica a peer reached (relay scale-out). The
 * relay client calls this again every `resolveIntervalMs`, so replicas that come and go are
 * followed. An endpoint that does not resolve is logged and skipped; it throws only when none
 * resolves (the client keeps its current sessions and retries).
 */
export function relayReplicas(endpoints: readonly ReplicaAddress[], logger: Logger, lookup = dns): ReplicaResolver {
  const resolvers = endpoints.map((e) => ({ name: e.host, resolve: dnsReplicas(e.host, e.controlPort, e.dataPort, lookup) }));
  return async () => {
    const settled = await Promise.allSettled(resolvers.map((r) => r.resolve()));
    const found = new Map<string, ReplicaAddress>();
    const failed: string[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') for (const a of s.value) found.set(replicaAddressId(a), a);
      else failed.push(`${resolvers[i].name}: ${errorMessage(s.reason)}`);
    });
    if (found.size === 0) throw new Error(`no relay replica resolved (${failed.join('; ') || 'no endpoints configured'})`);
    if (failed.length) logger.warn('some relay endpoints did not resolve; using the others', { failed });
    return [...found.keys()].sort().map((id) => found.get(id)!);
  };
}

/** Options of {@link RelayLink}. */
export interface RelayLinkOptions {
  /** The replicas to hold sessions with, re-resolved periodically (see {@link relayReplicas}). */
  replicas: ReplicaResolver;
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
      replicas: o.replicas,
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

  requestPunch(key: Uint8Array, req: { punchId: string; candidates: Candidate[]; nat?: NatReport; mode: PunchMode }): void {
    this.client.requestPunch(key, req);
  }

  onPunchOffer(fn: (p: IncomingPunch) => void): void {
    this.client.onPunchOffer(fn);
  }

  onPunchAnswer(fn: (a: PunchAnswer) => void): void {
    this.client.onPunchAnswer(fn);
  }

  close(): void {
    this.proxy.close();
    this.client.close();
  }
}
