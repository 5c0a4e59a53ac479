import { SpanKind, SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type Metadata,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '@wirekube/util';
import { extractTraceContext } from './trace-context';

type AnyHandler = (...args: unknown[]) => unknown;
type Call = { metadata: Metadata; on(ev: string, fn: (...a: unknown[]) => void): unknown };

/** Options of a {@link GrpcServer}. */
export interface GrpcServerOptions {
  logger: Logger;
  tracer: Tracer;
  /** Server credentials; insecure when omitted (loopback, Unix sockets, in-cluster). */
  credentials?: ServerCredentials;
}

/**
 * A gRPC server with WireKube's conventions: every handler runs inside a SERVER span continued from
 * the caller's `traceparent`; `grpc.health.v1` reports SERVING for "" and every added service; and
 * {@link GrpcServer.shutdown} drains gracefully. Long-lived streams should end themselves when
 * {@link GrpcServer.shuttingDown} aborts.
 */
export class GrpcServer {
  private readonly server = new Server();
  private readonly health = new HealthImplementation({ '': 'SERVING' });
  private readonly services: string[] = [];
  private readonly abort = new AbortController();
  private inFlight = 0;

  constructor(private readonly opts: GrpcServerOptions) {
    this.health.addToServer(this.server);
  }

  /** Aborted when shutdown begins. */
  get shuttingDown(): AbortSignal {
    return this.abort.signal;
  }

  /** Calls currently being handled (streams included). */
  get activeCalls(): number {
    return this.inFlight;
  }

  /** Registers a service under its fully-qualified name (e.g. `wirekube.v1.RelayControl`). */
  addService(name: string, def: ServiceDefinition, impl: UntypedServiceImplementation): void {
    const wrapped: UntypedServiceImplementation = {};
    for (const [method, md] of Object.entries(def)) {
      const handler = impl[method] as AnyHandler | undefined;
      if (!handler) throw new Error(`service ${name}: no handler for ${method}`);
      wrapped[method] = this.wrap(md.path, md.responseStream, handler) as UntypedServiceImplementation[string];
    }
    this.server.addService(def, wrapped);
    this.services.push(name);
    this.health.setStatus(name, 'SERVING');
  }

  /** Binds `address` (`host:port`, port 0 for any, or `unix:/path`) and returns the bound port. */
  listen(address: string): Promise<number> {
    return new Promise((resolve, reject) =>
      this.server.bindAsync(address, this.opts.credentials ?? ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  /** Sets the health of "" and every registered service. */
  setServing(serving: boolean): void {
    for (const s of ['', ...this.services]) this.health.setStatus(s, serving ? 'SERVING' : 'NOT_SERVING');
  }

  /**
   * Graceful stop: health goes NOT_SERVING and {@link shuttingDown} aborts; after `drainMs` the
   * server stops accepting calls and waits up to `graceMs` for in-flight ones, then cancels the rest.
   * Idempotent.
   */
  async shutdown(opts: { drainMs: number; graceMs: number }): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.setServing(false);
    this.abort.abort(new Error('server shutting down'));
    this.opts.logger.info('grpc shutdown: draining', { drainMs: opts.drainMs, inFlight: this.inFlight });
    await new Promise((r) => setTimeout(r, opts.drainMs));
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.opts.logger.warn('grpc shutdown: grace period over, cancelling calls', { inFlight: this.inFlight });
        this.server.forceShutdown();
        resolve();
      }, opts.graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private wrap(path: string, streamingResponse: boolean, handler: AnyHandler): AnyHandler {
    const { tracer } = this.opts;
    return (call: unknown, callback?: unknown) => {
      const c = call as Call;
      const parent = extractTraceContext(c.metadata);
      const span = tracer.startSpan(path, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc' } }, parent);
      const ctx = trace.setSpan(parent, span);
      this.inFlight++;
      let done = false;
      const finish = (code: number, message?: string) => {
        if (done) return;
        done = true;
        this.inFlight--;
        endSpan(span, code, message);
      };
      if (streamingResponse) {
        c.on('finish', () => finish(GrpcStatus.OK));
        c.on('cancelled', () => finish(GrpcStatus.CANCELLED, 'cancelled'));
        c.on('error', (e) => finish((e as { code?: number }).code ?? GrpcStatus.UNKNOWN, String(e)));
        c.on('close', () => finish(GrpcStatus.OK));
        return context.with(ctx, () => handler(call));
      }
      const cb = callback as (err: unknown, ...rest: unknown[]) => void;
      return context.with(ctx, () =>
        handler(call, (err: unknown, ...rest: unknown[]) => {
          const e = err as { code?: number; message?: string } | null;
          finish(e ? (e.code ?? GrpcStatus.UNKNOWN) : GrpcStatus.OK, e?.message);
          cb(err, ...rest);
        }),
      );
    };
  }
}

function endSpan(span: Span, code: number, message?: string): void {
  span.setAttribute('rpc.grpc.status_code', code);
  if (code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}
