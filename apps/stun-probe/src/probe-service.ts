import { status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import type { NatReport, ProbeRequest, ProbeResponse, StunProbeServer, WatchNatRequest } from '@wirekube/proto';
import type { DiscoveryReport } from '@wirekube/nat';
import { errorMessage, type Clock, type Logger } from '@wirekube/util';
import type { ProbeMetrics } from './metrics';
import { toNatReport } from './nat-report';
import { NatWatch } from './nat-watch';
import type { ProbeParams } from './prober';

/** Sidecar defaults used when a request leaves a field at 0/empty. */
export interface ProbeDefaults {
  servers: string[];
  timeoutMs: number;
  allocationSamples: number;
  intervalMs: number;
}

/** What the gRPC handlers need. */
export interface ProbeServiceDeps {
  probe(p: ProbeParams): Promise<DiscoveryReport>;
  defaults: ProbeDefaults;
  clock: Clock;
  interfaceChanges(listener: () => void): () => void;
  logger: Logger;
  metrics: ProbeMetrics;
  /** Aborted on shutdown: open WatchNat streams end cleanly. */
  shuttingDown: AbortSignal;
}

const MAX_TIMEOUT_MS = 30_000;
const MIN_INTERVAL_MS = 1000;

class BadRequest extends Error {}

function hostPortOk(s: string): boolean {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  const host = s.slice(0, i).replace(/^\[|\]$/g, '');
  return i > 0 && Number.isInteger(port) && port >= 1 && port <= 65535 && (isIP(host) > 0 || /^[a-zA-Z0-9.-]+$/.test(host));
}

/** Applies defaults and validates; throws BadRequest naming the field. */
function params(req: ProbeRequest, d: ProbeDefaults): ProbeParams {
  const servers = req.servers.length ? req.servers : d.servers;
  const bad = servers.find((s) => !hostPortOk(s));
  if (bad !== undefined) throw new BadRequest(`servers: "${bad}" is not host:port`);
  if (servers.length === 0) throw new BadRequest('servers: none given and none configured (--stun-servers)');
  if (req.timeoutMs > MAX_TIMEOUT_MS) throw new BadRequest(`timeout_ms: ${req.timeoutMs} exceeds ${MAX_TIMEOUT_MS}`);
  if (req.localPort > 65535) throw new BadRequest(`local_port: ${req.localPort} is not a port`);
  if (req.allocationSamples > 32) throw new BadRequest(`allocation_samples: ${req.allocationSamples} exceeds 32`);
  return { servers, timeoutMs: req.timeoutMs || d.timeoutMs, localPort: req.localPort, allocationSamples: req.allocationSamples || d.allocationSamples };
}

/**
 * The StunProbe gRPC service. Probe runs one discovery; WatchNat streams the first report and
 * then only changes, re-probing periodically and on interface change. Bad requests get
 * INVALID_ARGUMENT naming the field; probe failures (bind errors, unresolvable servers) get
 * UNAVAILABLE and are counted.
 */
export function stunProbeService(deps: ProbeServiceDeps): StunProbeServer {
  const { logger, metrics } = deps;
  const run = async (p: ProbeParams): Promise<NatReport> => {
    const end = metrics.probeSeconds.startTimer();
    try {
      const report = await deps.probe(p);
      metrics.probes.inc({ type: report.type });
      metrics.natType.reset();
      metrics.natType.set({ type: report.type }, 1);
      logger.info('NAT probed', { type: report.type, mapping: report.mapping, filtering: report.filtering, allocation: report.allocation, durationMs: report.durationMs });
      return toNatReport(report);
    } catch (err) {
      metrics.probeErrors.inc();
      throw err;
    } finally {
      end();
    }
  };
  return {
    probe(call: ServerUnaryCall<ProbeRequest, ProbeResponse>, callback: sendUnaryData<ProbeResponse>) {
      let p: ProbeParams;
      try {
        p = params(call.request, deps.defaults);
      } catch (err) {
        return callback({ code: status.INVALID_ARGUMENT, details: errorMessage(err) });
      }
      run(p).then(
        (report) => callback(null, { report }),
        (err) => callback({ code: status.UNAVAILABLE, details: `probe failed: ${errorMessage(err)}` }),
      );
    },
    watchNat(call: ServerWritableStream<WatchNatRequest, NatReport>) {
      const intervalMs = call.request.intervalMs || deps.defaults.intervalMs;
      if (intervalMs < MIN_INTERVAL_MS) {
        call.emit('error', { code: status.INVALID_ARGUMENT, details: `interval_ms: ${intervalMs} is below ${MIN_INTERVAL_MS}` });
        return;
      }
      let p: ProbeParams;
      try {
        p = params({ servers: [], timeoutMs: 0, localPort: 0, allocationSamples: 0 }, deps.defaults);
      } catch (err) {
        call.emit('error', { code: status.FAILED_PRECONDITION, details: errorMessage(err) });
        return;
      }
      metrics.watchStreams.inc();
      const watch = new NatWatch({
        probe: () => run(p),
        clock: deps.clock,
        intervalMs,
        interfaceChanges: deps.interfaceChanges,
        publish: (r) => call.write(r),
        logger,
      });
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        watch.stop();
        deps.shuttingDown.removeEventListener('abort', onShutdown);
        metrics.watchStreams.dec();
      };
      const onShutdown = () => {
        close();
        call.end();
      };
      call.once('cancelled', close);
      deps.shuttingDown.addEventListener('abort', onShutdown, { once: true });
      watch.start();
    },
  };
}
