import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { errorMessage, type Logger } from '@wirekube/util';
import { commonFlags } from './config/common-flags';
import { ConfigError, HelpRequested, parseConfig, type ConfigOf, type FlagDefs, type ProgramSpec } from './config/parse';
import { createLogger } from './logger';
import { createMetricsRegistry, startHttpEndpoint } from './metrics';
import { initTracing } from './tracing';

/** The config every service has, from {@link commonFlags}. */
export type CommonConfig = ConfigOf<ReturnType<typeof commonFlags>>;

/** What a service's main function receives. */
export interface ServiceContext<D extends FlagDefs> {
  config: ConfigOf<D> & CommonConfig;
  positionals: string[];
  logger: Logger;
  tracer: Tracer;
  metrics: Registry;
  /** Aborted when SIGTERM/SIGINT arrives. */
  signal: AbortSignal;
  /** Marks the service ready (or not) for /readyz. */
  setReady(ready: boolean, reason?: string): void;
  /** Registers cleanup run on shutdown, in reverse order of registration. */
  onShutdown(fn: () => Promise<void> | void): void;
}

/** A program: its command-line spec and its main function. */
export interface ServiceProgram<D extends FlagDefs> extends ProgramSpec<D> {
  /** Short service name for logs, metrics and traces, e.g. `relay`. */
  service: string;
  /** Default for --metrics-address. */
  metricsAddress: string;
  /** Starts the service. Resolving means "started"; the process then lives until a signal. */
  main(ctx: ServiceContext<D>): Promise<void>;
}

/**
 * Runs a WireKube service process: parses flags+env once (printing --help, or each config problem
 * and exiting 2, or with --check-config the validated config as JSON and exiting 0), sets up the JSON logger, tracing, metrics and health endpoint, starts `main`,
 * and on SIGTERM/SIGINT runs the shutdown hooks in reverse order and exits 0. A failure of `main`
 * is logged and exits 1. Returns only by exiting.
 */
export function runService<D extends FlagDefs>(program: ServiceProgram<D>, argv = process.argv.slice(2)): void {
  const spec = { ...program, flags: { ...program.flags, ...commonFlags({ metricsAddress: program.metricsAddress }) } };
  let parsed;
  try {
    parsed = parseConfig(spec, argv, process.env);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${err.text}\n`);
      process.exit(0);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${program.name}: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(2);
    }
    throw err;
  }
  const config = parsed.config as ConfigOf<D> & CommonConfig;
  if (config.checkConfig) {
    process.stdout.write(`${JSON.stringify({ ...config, positionals: parsed.positionals }, null, 2)}\n`);
    process.exit(0);
  }
  const logger = createLogger({ level: config.logLevel, fields: { service: program.service } });
  void start(program, { config, positionals: parsed.positionals, logger });
}

async function start<D extends FlagDefs>(
  program: ServiceProgram<D>,
  base: { config: ConfigOf<D> & CommonConfig; positionals: string[]; logger: Logger },
): Promise<void> {
  const { config, logger } = base;
  const tracing = initTracing({ serviceName: `wirekube-${program.service}` });
  const metrics = createMetricsRegistry(program.service);
  const abort = new AbortController();
  const hooks: Array<() => Promise<void> | void> = [() => tracing.shutdown()];
  let ready: { ok: boolean; reason?: string } = { ok: false, reason: 'starting' };
  const stop = async (sig: string) => {
    if (abort.signal.aborted) return;
    logger.info('shutting down', { signal: sig });
    ready = { ok: false, reason: 'shutting down' };
    abort.abort(new Error(`received ${sig}`));
    for (const h of hooks.reverse()) {
      try {
        await h();
      } catch (err) {
        logger.error('shutdown step failed', { err: errorMessage(err) });
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  try {
    if (config.metricsAddress) {
      const http = await startHttpEndpoint({ address: config.metricsAddress, registry: metrics, ready: () => ready });
      hooks.push(() => http.close());
      logger.info('metrics endpoint listening', { address: config.metricsAddress, port: http.port });
    }
    await program.main({
      ...base,
      tracer: tracing.tracer,
      metrics,
      signal: abort.signal,
      setReady: (ok, reason) => (ready = { ok, reason }),
      onShutdown: (fn) => hooks.push(fn),
    });
  } catch (err) {
    logger.error('failed to start', { err: err instanceof Error ? err : String(err) });
    await tracing.shutdown().catch(() => undefined);
    process.exit(1);
  }
}
