export {
  FlagValueError,
  type FlagDef,
  stringFlag,
  intFlag,
  durationFlag,
  boolFlag,
  enumFlag,
  listFlag,
  hostPortFlag,
  checkHostPort,
} from './config/flag';
export {
  ConfigError,
  HelpRequested,
  parseConfig,
  helpText,
  flagName,
  envName,
  type FlagDefs,
  type ConfigOf,
  type ProgramSpec,
  type ParsedConfig,
} from './config/parse';
export { commonFlags, LOG_LEVELS, type LogLevel } from './config/common-flags';
export { createLogger, type JsonLoggerOptions } from './logger';
export { initTracing, type Tracing } from './tracing';
export { createMetricsRegistry, startHttpEndpoint, splitHostPort, scrapeTimeMetrics, type HttpEndpoint, type ScrapeTimeMetrics } from './metrics';
export { GrpcServer, type GrpcServerOptions } from './grpc/server';
export { createClient, tracingInterceptor, type ClientConstructor } from './grpc/client';
export { checkHealth } from './grpc/health-client';
export { injectTraceContext, extractTraceContext } from './grpc/trace-context';
export { runService, type ServiceContext, type ServiceProgram, type CommonConfig } from './service';
