import type { Socket } from 'node:net';
import { credentials } from '@grpc/grpc-js';
import { chooseReplica } from '@wirekube/relay-core';
import { RelayControlClient, type Candidate, type Endpoint, type FilteringProbeResponse, type NatReport, type PunchAnswer, type PunchOffer } from '@wirekube/proto';
import { errorMessage, type BackoffOptions, type Clock, type Logger, type Rng } from '@wirekube/util';
import type { ControlIdentity } from './control-session';
import { RelayClientError } from './errors';
import { ReplicaLink, replicaAddressId, type ReplicaAddress } from './replica-link';
import type { ReplicaResolver } from './replica-resolver';

/** Options of a {@link RelayClient}. Durations in ms. */
export interface RelayClientOptions {
  identity: ControlIdentity;
  replicas: ReplicaResolver;
  /** How often the replica list is resolved again (replicas come and go). */
  resolveIntervalMs: number;
  backoff: BackoffOptions;
  handshakeTimeoutMs: number;
  keepaliveMs: number;
  /** Bytes buffered per data connection before sends are dropped. */
  maxBufferedBytes: number;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** Creates the RelayControl client for `host:port`; insecure grpc-js client by default. */
  createClient?: (address: string) => RelayControlClient;
  /** Called with each data-channel socket before it connects (e.g. to mark it). */
  onDataSocket?: (s: Socket) => void;
}

/** Defaults for the tunables of {@link RelayClientOptions}. */
export const DEFAULT_RELAY_CLIENT_TUNING = {
  resolveIntervalMs: 30_000,
  backoff: { initialMs: 250, maxMs: 15_000, factor: 2, jitter: 0.3 },
  handshakeTimeoutMs: 5000,
  keepaliveMs: 15_000,
  maxBufferedBytes: 4 << 20,
} as const;

const MAX_CACHED_ROUTES = 65_536;

/** A punch offer received from a peer, with the means to answer it on the replica that carried it. */
export interface IncomingPunch {
  offer: PunchOffer;
  answer(a: { accept: boolean; candidates: Candidate[]; nat?: NatReport; reason?: string }): boolean;
}

/** The agent side of the relay, as the local proxy needs it. */
export interface RelayTransport {
  /** Sends a WireGuard datagram to the peer with raw public key `dst`; false when not deliverable now. */
  send(dst: Uint8Array, datagram: Uint8Array): boolean;
  /** Subscribes to datagrams from peers; returns the unsubscribe function. */
  onDatagram(fn: (src: Buffer, data: Buffer) => void): () => void;
}

/**
 * The agent's relay client: holds a session with every replica the resolver returns (re-resolved
 * periodically), and sends each datagram through the first replica, in replica-id order, where the
 * destination is present — so delivery works whichever replicas each side reaches, as long as they
 * share one. Also carries punch requests/offers/answers and filtering probes.
 */
export class RelayClient implements RelayTransport {
  private readonly links = new Map<string, ReplicaLink>();
  private readonly datagramFns = new Set<(src: Buffer, data: Buffer) => void>();
  private readonly punchOfferFns = new Set<(p: IncomingPunch) => void>();
  private readonly punchAnswerFns = new Set<(a: PunchAnswer) => void>();
  private readonly changeFns = new Set<() => void>();
  private readonly abort = new AbortController();
  /** Route per destination key, computed on first use and forgotten on any presence change. */
  private readonly routes = new Map<string, ReplicaLink | undefined>();
  /** Datagrams not sent because no up replica had the destination present. */
  unroutable = 0;

  constructor(private readonly opts: RelayClientOptions) {}

  /** Resolves the replicas and starts connecting; keeps re-resolving until {@link close}. */
  start(): void {
    void this.resolveLoop();
  }

  /** Stops everything; idempotent. */
  close(): void {
    this.abort.abort();
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }

  /** Links currently held (up or reconnecting). */
  replicas(): ReplicaLink[] {
    return [...this.links.values()];
  }

  /** True when some up replica has `peer` (raw public key) present. */
  reachable(peer: Uint8Array): boolean {
    return this.pick(Buffer.from(peer).toString('latin1')) !== undefined;
  }

  send(dst: Uint8Array, datagram: Uint8Array): boolean {
    const link = this.pick(Buffer.from(dst.buffer, dst.byteOffset, dst.byteLength).toString('latin1'));
    if (!link) {
      this.unroutable++;
      return false;
    }
    return link.send(dst, datagram);
  }

  onDatagram(fn: (src: Buffer, data: Buffer) => void): () => void {
    this.datagramFns.add(fn);
    return () => this.datagramFns.delete(fn);
  }

  /** Subscribes to changes of presence or replica state; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.changeFns.add(fn);
    return () => this.changeFns.delete(fn);
  }

  /** Subscribes to punch offers from peers. */
  onPunchOffer(fn: (p: IncomingPunch) => void): () => void {
    this.punchOfferFns.add(fn);
    return () => this.punchOfferFns.delete(fn);
  }

  /** Subscribes to answers to our punch requests (`peer` is the answering peer). */
  onPunchAnswer(fn: (a: PunchAnswer) => void): () => void {
    this.punchAnswerFns.add(fn);
    return () => this.punchAnswerFns.delete(fn);
  }

  /**
   * Asks `to` to punch with us, through a replica where it is present. Mode `candidates` is an
   * exchange of candidates and NAT reports only (no punch follows; the peer answers with its own),
   * so two nodes whose reports alone say "relay" can still find a shared LAN. Throws
   * RelayClientError ("unreachable") when no replica has it.
   */
  requestPunch(to: Uint8Array, req: { punchId: string; candidates: Candidate[]; nat?: NatReport; mode: 'direct' | 'birthday' | 'candidates' }): void {
    const link = this.pick(Buffer.from(to).toString('latin1'));
    if (!link) throw new RelayClientError('unreachable', 'peer is not present on any relay replica');
    link.sendControl({ msg: { $case: 'punchRequest', punchRequest: { to: Buffer.from(to), punchId: req.punchId, candidates: req.candidates, nat: req.nat, mode: req.mode } } });
  }

  /**
   * Asks an up replica to send a UDP probe from an alternate port (or IP) to `target`, which must
   * be our own observed address. Rejects with the relay's gRPC error otherwise.
   */
  async filteringProbe(target: Endpoint, nonce: Buffer, change: { ip?: boolean; port?: boolean } = {}): Promise<FilteringProbeResponse> {
    const link = this.replicas().find((l) => l.session);
    if (!link) throw new RelayClientError('unreachable', 'no relay replica is up');
    const token = link.session!.token;
    return new Promise((resolve, reject) =>
      link.client.filteringProbe({ token, target, nonce, changeIp: !!change.ip, changePort: !!change.port }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  private pick(keyId: string): ReplicaLink | undefined {
    if (this.routes.has(keyId)) return this.routes.get(keyId);
    // Keys are the peers the proxy sends to; the cap only guards against a caller probing many keys.
    if (this.routes.size >= MAX_CACHED_ROUTES) this.routes.clear();
    const link = this.choose(keyId);
    this.routes.set(keyId, link);
    return link;
  }

  private choose(keyId: string): ReplicaLink | undefined {
    const up = [...this.links.values()];
    const id = chooseReplica(up.map((l) => ({ id: l.id, has: (k: string) => l.has(k) })), keyId);
    return id === undefined ? undefined : up.find((l) => l.id === id);
  }

  private async resolveLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        this.reconcile(await this.opts.replicas());
      } catch (err) {
        this.opts.logger.warn('relay replicas not resolved', { err: errorMessage(err) });
      }
      try {
        await this.opts.clock.sleep(this.opts.resolveIntervalMs, this.abort.signal);
      } catch {
        return;
      }
    }
  }

  private reconcile(addresses: ReplicaAddress[]): void {
    if (this.abort.signal.aborted) return;
    const wanted = new Map(addresses.map((a) => [replicaAddressId(a), a]));
    for (const [id, link] of this.links) {
      if (!wanted.has(id)) {
        link.close();
        this.links.delete(id);
        this.routes.clear();
      }
    }
    for (const [id, a] of wanted) {
      if (this.links.has(id)) continue;
      const target = `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.controlPort}`;
      const client = this.opts.createClient?.(target) ?? new RelayControlClient(target, credentials.createInsecure());
      const link = new ReplicaLink({
        address: a,
        identity: this.opts.identity,
        client,
        backoff: this.opts.backoff,
        handshakeTimeoutMs: this.opts.handshakeTimeoutMs,
        keepaliveMs: this.opts.keepaliveMs,
        maxBufferedBytes: this.opts.maxBufferedBytes,
        clock: this.opts.clock,
        rng: this.opts.rng,
        logger: this.opts.logger.child({ replica: id }),
        onDataSocket: this.opts.onDataSocket,
        events: {
          datagram: (src, data) => {
            for (const fn of this.datagramFns) fn(src, data);
          },
          changed: () => {
            this.routes.clear();
            for (const fn of this.changeFns) fn();
          },
          punchOffer: (l, offer) => {
            const incoming: IncomingPunch = {
              offer,
              answer: (a) =>
                l.sendControl({
                  msg: {
                    $case: 'punchAnswer',
                    punchAnswer: { peer: offer.from, punchId: offer.punchId, accept: a.accept, candidates: a.candidates, nat: a.nat, startAtMs: offer.startAtMs, reason: a.reason ?? '' },
                  },
                }),
            };
            for (const fn of this.punchOfferFns) fn(incoming);
          },
          punchAnswer: (_l, ans) => {
            for (const fn of this.punchAnswerFns) fn(ans);
          },
        },
      });
      this.links.set(id, link);
      link.start();
    }
  }
}
