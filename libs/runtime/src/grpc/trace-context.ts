import { context, propagation, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';

const setter: TextMapSetter<Metadata> = {
  set: (md, key, value) => md.set(key, value),
};

const getter: TextMapGetter<Metadata> = {
  keys: (md) => Object.keys(md.getMap()),
  get: (md, key) => {
    const v = md.get(key);
    return v.length ? v.map(String) : undefined;
  },
};

/** Writes the trace context of `ctx` (default: the active one) into gRPC metadata. */
export function injectTraceContext(md: Metadata, ctx: Context = context.active()): void {
  propagation.inject(ctx, md, setter);
}

/** Reads the caller's trace context from gRPC metadata, on top of the active context. */
export function extractTraceContext(md: Metadata): Context {
  return propagation.extract(context.active(), md, getter);
}
