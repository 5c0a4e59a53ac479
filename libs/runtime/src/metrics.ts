import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * A fresh Prometheus registry for one service, with process metrics (CPU, RSS, event loop lag)
 * prefixed `wirekube_<service>_` and a `service` label. Each service owns its registry so tests can
 * run several in one process.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: `wirekube_${service.replace(/-/g, '_')}_` });
  return registry;
}

/** The running HTTP endpoint. */
export interface HttpEndpoint {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text), `/healthz` (200 while the process runs) and `/readyz`
 * (200 when `ready()` is true, else 503 with the reason). Anything else is 404.
 */
export async function startHttpEndpoint(opts: {
  address: string;
  registry: Registry;
  ready: () => { ok: boolean; reason?: string };
}): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const r = opts.ready();
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(r.ok ? 'ready\n' : `not ready: ${r.reason ?? 'starting'}\n`);
    } else {
      res.writeHead(404).end();
    }
  });
  const [host, port] = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Splits `host:port` or `[v6]:port`. */
export function splitHostPort(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), Number(s.slice(i + 1))];
}

/** Builders of metrics whose values are read from plain state when Prometheus scrapes. */
export interface ScrapeTimeMetrics {
  /** A counter reporting `read()`, a monotonic total kept by the component itself. */
  counter(name: string, help: string, read: () => number): void;
  /** A gauge reporting `read()`. */
  gauge(name: string, help: string, read: () => number): void;
}

/**
 * Registers metrics on `registry` that read a component's own counters at scrape time (collect
 * callbacks), so hot paths and pure cores never touch prom-client.
 */
export function scrapeTimeMetrics(registry: Registry): ScrapeTimeMetrics {
  return {
    counter(name, help, read) {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          const v = read();
          if (v > 0) this.inc(v);
        },
      });
    },
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
  };
}
