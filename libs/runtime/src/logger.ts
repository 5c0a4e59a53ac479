import { trace } from '@opentelemetry/api';
import type { LogFields, Logger } from '@wirekube/util';
import { LOG_LEVELS, type LogLevel } from './config/common-flags';

/** Where and how much a {@link JsonLogger} writes. */
export interface JsonLoggerOptions {
  /** Minimum level written. */
  level: LogLevel;
  /** Receives one JSON line (with trailing newline) per log call. Default: process.stderr. */
  write?: (line: string) => void;
  /** Fields on every line, e.g. `{ service: 'relay' }`. */
  fields?: LogFields;
  /** Time source in ms since the epoch. Default Date.now. */
  now?: () => number;
}

/**
 * Structured JSON logger: one object per line with `time` (ISO), `level`, `msg`, the bound fields,
 * the call's fields and, inside an active span, `trace_id`/`span_id` so logs join traces.
 * Errors in fields are rendered as `{ message, code?, cause? }`.
 */
export function createLogger(opts: JsonLoggerOptions): Logger {
  const min = LOG_LEVELS.indexOf(opts.level);
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const now = opts.now ?? Date.now;
  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const span = trace.getActiveSpan()?.spanContext();
      const line: LogFields = { time: new Date(now()).toISOString(), level, msg, ...bound };
      if (span) Object.assign(line, { trace_id: span.traceId, span_id: span.spanId });
      for (const [k, v] of Object.entries(fields ?? {})) line[k] = v instanceof Error ? renderError(v) : v;
      write(`${safeStringify(line)}\n`);
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(opts.fields ?? {});
}

function renderError(e: Error): LogFields {
  const out: LogFields = { message: e.message, name: e.name };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (e.cause instanceof Error) out.cause = renderError(e.cause);
  return out;
}

function safeStringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : Buffer.isBuffer(x) ? x.toString('base64') : x));
}
