import { errorMessage, nullLogger, type Clock, type Logger, type TimerHandle } from '@wirekube/util';
import type { ProbeSpec } from './assignment';
import type { ProbeFn } from './probe';

/** One probe outcome as the controller wants it (the fields of `HealthReport`). */
export interface ProbeReport {
  gateway: string;
  healthy: boolean;
  consecutiveFailures: number;
  latencyMs: number;
  detail: string;
  probedAtMs: number;
}

/** Options of a {@link HealthProber}. */
export interface HealthProberOptions {
  probe: ProbeFn;
  /** Called after every probe; its failures are logged and do not stop probing. */
  report: (r: ProbeReport) => Promise<void>;
  clock: Clock;
  logger?: Logger;
}

interface Probing {
  spec: ProbeSpec;
  failures: number;
  timer?: TimerHandle;
  stopped: boolean;
}

/**
 * Probes each assigned gateway's health target every `intervalMs` and reports every result. A
 * target is healthy while fewer than `failureThreshold` consecutive probes failed; one success
 * resets the count. {@link HealthProber.set} is level-triggered: gateways not in the new set stop
 * probing, changed specs restart with a clean count, unchanged ones keep their count and rhythm.
 */
export class HealthProber {
  private readonly probing = new Map<string, Probing>();
  private readonly log: Logger;

  constructor(private readonly opts: HealthProberOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'gateway-prober' });
  }

  /** Replaces the set of gateways to probe. The first probe of a new gateway runs at once. */
  set(targets: ReadonlyArray<{ gateway: string; probe: ProbeSpec }>): void {
    const want = new Map(targets.map((t) => [t.gateway, t.probe]));
    for (const [gw, p] of this.probing) {
      const spec = want.get(gw);
      if (spec && sameSpec(spec, p.spec)) continue;
      this.stopOne(gw, p);
    }
    for (const [gw, spec] of want) {
      if (this.probing.has(gw)) continue;
      const p: Probing = { spec, failures: 0, stopped: false };
      this.probing.set(gw, p);
      this.log.info('probing gateway health target', { gateway: gw, target: spec.target });
      void this.tick(gw, p);
    }
  }

  /** Gateways currently probed (for tests and the admin surface). */
  gateways(): string[] {
    return [...this.probing.keys()].sort();
  }

  /** Stops every probe; pending ones finish without reporting. */
  stop(): void {
    for (const [gw, p] of this.probing) this.stopOne(gw, p);
  }

  private stopOne(gw: string, p: Probing): void {
    p.stopped = true;
    if (p.timer) this.opts.clock.clearTimeout(p.timer);
    this.probing.delete(gw);
  }

  private async tick(gw: string, p: Probing): Promise<void> {
    const started = this.opts.clock.monotonic();
    const res = await this.opts.probe(p.spec.target, p.spec.timeoutMs);
    if (p.stopped) return;
    p.failures = res.ok ? 0 : p.failures + 1;
    const report: ProbeReport = {
      gateway: gw,
      healthy: p.failures < p.spec.failureThreshold,
      consecutiveFailures: p.failures,
      latencyMs: res.latencyMs,
      detail: res.detail,
      probedAtMs: this.opts.clock.now(),
    };
    if (!res.ok) this.log.debug('gateway probe failed', { gateway: gw, failures: p.failures, detail: res.detail });
    this.opts.report(report).catch((err) => this.log.warn('health report not delivered', { gateway: gw, error: errorMessage(err) }));
    // Keep the rhythm: a slow probe shortens the wait instead of stretching the interval.
    const elapsed = this.opts.clock.monotonic() - started;
    p.timer = this.opts.clock.setTimeout(() => void this.tick(gw, p), Math.max(0, p.spec.intervalMs - elapsed));
  }
}

function sameSpec(a: ProbeSpec, b: ProbeSpec): boolean {
  return a.target === b.target && a.intervalMs === b.intervalMs && a.timeoutMs === b.timeoutMs && a.failureThreshold === b.failureThreshold;
}
