import { boolFlag, durationFlag, enumFlag, hostPortFlag } from './flag';

/** Log levels in increasing severity. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Flags every WireKube service accepts. Spread them into a program's own flags so that logs,
 * metrics and shutdown behave the same everywhere.
 */
export function commonFlags(defaults: { metricsAddress: string }) {
  return {
    logLevel: enumFlag<LogLevel>({ description: 'Minimum level of JSON log lines written to stderr.', default: 'info', values: LOG_LEVELS }),
    metricsAddress: hostPortFlag({
      description: 'Address of the HTTP endpoint serving /metrics, /healthz and /readyz; empty disables it.',
      default: defaults.metricsAddress,
      optional: true,
    }),
    shutdownDrain: durationFlag({
      description: 'On SIGTERM, how long health reports NOT_SERVING before the servers stop taking calls.',
      default: 2000,
      maxMs: 60_000,
    }),
    checkConfig: boolFlag({
      description: 'Validate flags and environment, print the resulting configuration as JSON, and exit (0 valid, 2 invalid).',
      default: false,
    }),
    shutdownGrace: durationFlag({
      description: 'On SIGTERM, how long in-flight calls may take to finish before they are cancelled.',
      default: 10_000,
      maxMs: 300_000,
    }),
  };
}
