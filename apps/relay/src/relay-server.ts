import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerDuplexStream, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { privateKeyFromRaw, publicKeyOf, type FairQueueLimits } from '@wirekube/relay-core';
import type { ClientMessage, Endpoint, FilteringProbeRequest, FilteringProbeResponse, RelayControlServer, RelayStats, ServerMessage, StatsRequest } from '@wirekube/proto';
import { errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';
import { runControlSession } from './control-session';
import { serveDataConnection, type DataChannelOptions } from './data-server';
import { FilteringProber, type ProbeSockets } from './filtering-probe';
import { Forwarder, type ForwarderOptions } from './forwarder';
import { HandshakeLimiter, type HandshakeLimits } from './handshake-limiter';
import type { PresenceOptions } from './presence-feed';
import { PunchBroker, type PunchOptions } from './punch-broker';
import { RelayCounters } from './relay-stats';
import { SessionTable } from './session-table';

/** Everything tunable about a relay replica. Durations in ms, sizes in bytes. */
export interface RelayOptions {
  replicaId: string;
  /** The replica's static raw X25519 private key (agents prove possession against its public key). */
  privateKey: Buffer;
  /** Bounds of each destination's queue. */
  queue: FairQueueLimits;
  forwarding: ForwarderOptions;
  data: DataChannelOptions;
  handshake: HandshakeLimits;
  handshakeTimeoutMs: number;
  presence: PresenceOptions;
  punch: PunchOptions;
  punchesPerSecond: number;
  probesPerSecond: number;
  /** STUN endpoints this replica hosts, advertised to agents. */
  stun: Endpoint[];
}

/** Defaults suited to a production replica; tests override single fields. */
export const DEFAULT_RELAY_OPTIONS: Omit<RelayOptions, 'replicaId' | 'privateKey'> = {
  queue: { maxBytes: 1 << 20, maxItems: 4096 },
  forwarding: { batchBytes: 64 * 1024, maxQueuedBytes: 512 << 20 },
  data: { registerTimeoutMs: 5000, socketHighWaterBytes: 256 * 1024 },
  handshake: { maxPending: 1024, maxPendingPerIp: 64 },
  handshakeTimeoutMs: 5000,
  presence: { coalesceMs: 20, maxPendingChanges: 4096 },
  punch: { leadMs: 300, answerTimeoutMs: 10_000, maxPending: 10_000 },
  punchesPerSecond: 10,
  probesPerSecond: 5,
  stun: [],
};

/** Dependencies a replica takes from its environment. */
export interface RelayDeps {
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** UDP sockets for filtering probes; FilteringProbe fails with FAILED_PRECONDITION without them. */
  probeSockets?: ProbeSockets;
}

/**
 * One relay replica: the TCP data channel and the RelayControl gRPC implementation over a shared
 * session table. The owner binds the data listener with {@link RelayServer.listenData} and adds
 * {@link RelayServer.control} to a gRPC server; nothing listens at construction.
 */
export class RelayServer {
  readonly counters = new RelayCounters();
  readonly table: SessionTable;
  readonly forwarder: Forwarder;
  readonly limiter: HandshakeLimiter;
  readonly broker: PunchBroker;
  readonly publicKey: Buffer;
  /** The RelayControl service implementation, for `GrpcServer.addService`. */
  readonly control: RelayControlServer;
  private readonly prober: FilteringProber;
  private netServer: NetServer | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly opts: RelayOptions,
    private readonly deps: RelayDeps,
  ) {
    this.publicKey = publicKeyOf(opts.privateKey);
    this.table = new SessionTable(opts.queue, this.counters, (b) => this.forwarder.release(b));
    this.forwarder = new Forwarder(this.counters, opts.forwarding);
    this.limiter = new HandshakeLimiter(opts.handshake);
    this.broker = new PunchBroker(this.table, deps.clock, opts.punch);
    this.prober = new FilteringProber(this.table, deps.probeSockets, deps.clock, opts.probesPerSecond);
    const sessionOpts = {
      replicaId: opts.replicaId,
      relayPrivateKey: privateKeyFromRaw(opts.privateKey),
      relayPublicKey: this.publicKey,
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
      presence: opts.presence,
      punchesPerSecond: opts.punchesPerSecond,
      stun: opts.stun,
    };
    const sessionDeps = { table: this.table, limiter: this.limiter, broker: this.broker, counters: this.counters, clock: deps.clock, rng: deps.rng, logger: deps.logger };
    this.control = {
      session: (call: ServerDuplexStream<ClientMessage, ServerMessage>) => runControlSession(call, sessionDeps, sessionOpts),
      filteringProbe: (call: ServerUnaryCall<FilteringProbeRequest, FilteringProbeResponse>, cb: sendUnaryData<FilteringProbeResponse>) => {
        this.prober.probe(call.request).then(
          (r) => cb(null, r),
          (err) => cb(err),
        );
      },
      stats: (_call: ServerUnaryCall<StatsRequest, RelayStats>, cb: sendUnaryData<RelayStats>) => cb(null, this.stats()),
    };
  }

  /** Serves one accepted data-channel connection (exposed for custom listeners). */
  handleDataConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    serveDataConnection(
      socket,
      { table: this.table, forwarder: this.forwarder, limiter: this.limiter, counters: this.counters, clock: this.deps.clock, logger: this.deps.logger },
      this.opts.data,
    );
  }

  /** Binds the data-channel TCP listener; resolves with the bound port (useful with port 0). */
  listenData(host: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (s) => this.handleDataConnection(s));
    server.on('error', (err) => this.deps.logger.error('data listener error', { err: errorMessage(err) }));
    this.netServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
    });
  }

  /** The counters as the Stats RPC reports them. */
  stats(): RelayStats {
    let maxQueueDepth = 0;
    for (const e of this.table.entries()) maxQueueDepth = Math.max(maxQueueDepth, e.queue.length);
    return {
      replicaId: this.opts.replicaId,
      sessions: this.table.size,
      framesForwarded: this.counters.framesForwarded,
      bytesForwarded: this.counters.bytesForwarded,
      drops: Object.fromEntries(this.counters.drops),
      authFailures: this.counters.authFailures,
      maxQueueDepth,
    };
  }

  /** Stops accepting data connections and closes every session and connection. Idempotent. */
  async close(): Promise<void> {
    for (const e of [...this.table.entries()]) e.control.close('shutting-down', 'relay replica is shutting down');
    for (const s of this.sockets) s.destroy();
    const server = this.netServer;
    this.netServer = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
