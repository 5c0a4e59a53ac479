import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** What {@link initTracing} set up. */
export interface Tracing {
  /** The tracer services use for their spans. */
  tracer: Tracer;
  /** True when spans go anywhere (an exporter was configured). */
  exporting: boolean;
  /** Flushes and stops export. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Installs the global OpenTelemetry tracer provider for a service. Spans are exported over OTLP/HTTP
 * only when the standard variables ask for it (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, and `OTEL_TRACES_EXPORTER` not `none`); otherwise
 * nothing leaves the process. Tests pass `exporter` (e.g. an in-memory one), exported synchronously.
 * W3C trace context is the propagator, so gRPC metadata carries `traceparent`.
 */
export function initTracing(opts: {
  serviceName: string;
  env?: Readonly<Record<string, string | undefined>>;
  exporter?: SpanExporter;
}): Tracing {
  const env = opts.env ?? process.env;
  const processors: SpanProcessor[] = [];
  if (opts.exporter) processors.push(new SimpleSpanProcessor(opts.exporter));
  else if (otlpRequested(env)) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({ spanProcessors: processors });
  provider.register();
  let stopped: Promise<void> | undefined;
  return {
    tracer: trace.getTracer(opts.serviceName),
    exporting: processors.length > 0,
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}

function otlpRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
