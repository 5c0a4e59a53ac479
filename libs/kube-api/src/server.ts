/**
 * KubeApiServer — a TEST DOUBLE of the Kubernetes API server, not a Kubernetes distribution.
 * It exists because no kube-apiserver can be installed on the machines this project is built and
 * tested on. It speaks enough of the real REST + watch protocol that `@kubernetes/client-node` and
 * the real `kubectl` work against it for everything WireKube and its users do (see the README of
 * this lib for the exact surface). There is no authentication or authorisation: bind it to
 * loopback (the default) and never expose it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { nullLogger, systemClock, type Clock, type Logger } from '@wirekube/util';
import { createHandler } from './http-handler';
import { ObjectService } from './object-service';
import { loadSnapshot, SnapshotWriter } from './persistence';
import { builtinTypes, type ResourceType } from './resource-types';
import { ObjectStore } from './store';
import { WatchHub } from './watch-hub';

/** Options of {@link KubeApiServer}. Durations in milliseconds. */
export interface KubeApiServerOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 0 (any free port). */
  port?: number;
  clock?: Clock;
  logger?: Logger;
  /** Change events retained for watch resumption; older resourceVersions get 410. Default 10 000. */
  historyLimit?: number;
  /** BOOKMARK interval for watches that allow them. Default 5 000. */
  bookmarkIntervalMs?: number;
  /** When set, objects are loaded from and saved to this JSON file. */
  persistPath?: string;
  /** Unsent bytes after which a slow watcher is closed. Default 16 MiB. */
  maxWatchBufferBytes?: number;
}

/** Requests an API server received: `reads` (get, list, discovery), `watches` opened, `writes` (every other verb). */
export interface RequestCounts {
  reads: number;
  writes: number;
  watches: number;
}

/** Namespaces every cluster has. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The in-memory API server test double. Construct, then {@link KubeApiServer.start}. */
export class KubeApiServer {
  readonly store: ObjectStore;
  private readonly service: ObjectService;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private hub?: WatchHub;
  private http?: Server;
  private snapshots?: SnapshotWriter;
  private readonly counts: RequestCounts = { reads: 0, writes: 0, watches: 0 };

  constructor(private readonly opts: KubeApiServerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? nullLogger;
    this.store = new ObjectStore(opts.historyLimit ?? 10_000);
    this.service = new ObjectService(this.store, this.clock);
  }

  /** Loads persisted state (if any), creates the default namespaces and starts listening. */
  async start(): Promise<this> {
    for (const t of builtinTypes()) this.store.addType(t);
    const restored = this.opts.persistPath ? loadSnapshot(this.store, this.opts.persistPath) : false;
    const ns = this.type('', 'v1', 'namespaces');
    for (const name of DEFAULT_NAMESPACES) if (!this.store.get(ns, undefined, name)) this.service.create(ns, undefined, { metadata: { name } });
    if (this.opts.persistPath) this.snapshots = new SnapshotWriter(this.store, this.opts.persistPath, this.clock, this.logger);
    this.hub = new WatchHub(this.store, {
      clock: this.clock,
      bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 5_000,
      maxBufferedBytes: this.opts.maxWatchBufferBytes ?? 16 << 20,
    });
    this.http = createServer(
      createHandler({ store: this.store, service: this.service, hub: this.hub, clock: this.clock, logger: this.logger, address: () => this.hostPort }),
    );
    this.http.on('request', (req: IncomingMessage) => this.count(req));
    // Watches are long-lived; Node's default request timeouts would cut them.
    this.http.requestTimeout = 0;
    this.http.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.http?.once('error', reject);
      this.http?.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.logger.info('kube-api test double listening', { url: this.url, restored, persistPath: this.opts.persistPath });
    return this;
  }

  /** `host:port` of the listener. */
  get hostPort(): string {
    const a = this.http?.address() as AddressInfo | null;
    if (!a) throw new Error('server not started');
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Base URL, e.g. `http://127.0.0.1:39123`. */
  get url(): string {
    return `http://${this.hostPort}`;
  }

  /** Open watch streams. */
  get openWatches(): number {
    return this.hub?.size ?? 0;
  }

  /** Watch events written since start. */
  get watchEventsSent(): number {
    return this.hub?.eventsSent ?? 0;
  }

  /** Requests received since start, by kind (a copy). */
  get requests(): RequestCounts {
    return { ...this.counts };
  }

  private count(req: IncomingMessage): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') this.counts.writes++;
    else if (/[?&]watch=(true|1)(&|$)|^\/apis?\/(.+\/)?watch\//.test(req.url ?? '')) this.counts.watches++;
    else this.counts.reads++;
  }

  /** Ends every open watch (as an API server restart would); clients re-watch. */
  endWatches(): void {
    this.hub?.endAll();
  }

  /** A kubeconfig (YAML) for this server, usable by kubectl and client-node. */
  kubeconfig(): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain http unless TLS verification is explicitly off.
      clusters: [{ name: 'wirekube-kube-api', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'wirekube-kube-api', user: {} }],
      contexts: [{ name: 'wirekube-kube-api', context: { cluster: 'wirekube-kube-api', user: 'wirekube-kube-api' } }],
      'current-context': 'wirekube-kube-api',
    });
  }

  /** Writes {@link kubeconfig} to `path` (mode 0600) and returns the path. */
  writeKubeconfig(path: string): string {
    writeFileSync(path, this.kubeconfig(), { mode: 0o600 });
    return path;
  }

  /** Closes every watch and the listener; saves state when persisting. */
  async stop(): Promise<void> {
    this.hub?.close();
    this.snapshots?.close();
    const http = this.http;
    this.http = undefined;
    if (!http) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  private type(group: string, version: string, plural: string): ResourceType {
    const t = this.store.findType(group, version, plural);
    if (!t) throw new Error(`built-in type ${plural} missing`);
    return t;
  }
}
