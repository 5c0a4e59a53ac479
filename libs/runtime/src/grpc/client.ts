import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import {
  InterceptingCall,
  ListenerBuilder,
  RequesterBuilder,
  credentials,
  status as GrpcStatus,
  type ChannelCredentials,
  type ChannelOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { injectTraceContext } from './trace-context';

/**
 * A client interceptor that opens a CLIENT span per call (named after the method path), carries
 * its context to the server in `traceparent` metadata, and ends it with the call's status.
 */
export function tracingInterceptor(tracer: Tracer): Interceptor {
  return (options, nextCall) => {
    const parent = context.active();
    const span = tracer.startSpan(options.method_definition.path, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc' } }, parent);
    const requester = new RequesterBuilder()
      .withStart((metadata, _listener, next) => {
        injectTraceContext(metadata, trace.setSpan(parent, span));
        const traced = new ListenerBuilder()
          .withOnReceiveStatus((st, nxt) => {
            span.setAttribute('rpc.grpc.status_code', st.code);
            if (st.code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: st.details });
            span.end();
            nxt(st);
          })
          .build();
        next(metadata, traced);
      })
      .build();
    return new InterceptingCall(nextCall(options), requester);
  };
}

/** A generated grpc-js client constructor (as ts-proto emits them). */
export type ClientConstructor<C> = new (address: string, creds: ChannelCredentials, options?: Partial<ChannelOptions> & { interceptors?: Interceptor[] }) => C;

/**
 * Creates a client for `address` (`host:port` or `unix:/path`) with tracing. Credentials default to
 * insecure: WireKube's control channels run on loopback, Unix sockets or inside the cluster; callers
 * that cross networks pass TLS credentials.
 */
export function createClient<C>(
  Ctor: ClientConstructor<C>,
  address: string,
  opts: { tracer: Tracer; credentials?: ChannelCredentials; channelOptions?: Partial<ChannelOptions> },
): C {
  return new Ctor(address, opts.credentials ?? credentials.createInsecure(), {
    ...opts.channelOptions,
    interceptors: [tracingInterceptor(opts.tracer)],
  });
}
