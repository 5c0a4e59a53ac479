import { Metadata } from '@grpc/grpc-js';
import type { GatewayControlClient, HealthAck, HealthReport } from '@wirekube/proto';
import { nullLogger, systemClock, cryptoRng, type BackoffOptions, type Clock, type Logger, type Rng } from '@wirekube/util';
import { decodeAssignments, desiredGatewayHost, probeTasks, type GatewayHostState, type GatewayTask } from './assignment';
import { AssignmentWatcher } from './assignment-watcher';
import { GatewayHostApplier, type RoutingSink, type SnatPort, type SysctlSetter } from './gateway-host';
import { HealthProber, type ProbeReport } from './health-prober';
import { networkProbe, type ProbeFn } from './probe';

/** Deadline of one ReportHealth call. */
export const REPORT_DEADLINE_MS = 3_000;

/** Options of a {@link GatewayAgent}. Only `client`, `nodeName`, `snat` and `sysctl` are required. */
export interface GatewayAgentOptions {
  nodeName: string;
  /** A GatewayControl client (e.g. `createClient(GatewayControlClient, addr, { tracer })`). */
  client: GatewayControlClient;
  snat: SnatPort;
  sysctl: SysctlSetter;
  /** Receives CLIENT routes and withheld CIDRs after every change. */
  routing?: RoutingSink;
  /** Defaults to {@link networkProbe} (TCP connect or ICMP). */
  probe?: ProbeFn;
  clock?: Clock;
  rng?: Rng;
  /** Reconnect backoff of the assignment stream; default `WATCH_BACKOFF`. */
  backoff?: BackoffOptions;
  logger?: Logger;
}

/**
 * The agent side of WireKubeGateway in one object: watches this node's assignments, applies them
 * to the host (forwarding + tagged MASQUERADE/SNAT when ACTIVE, removed when not; CLIENT routes
 * handed to the planner), probes the health target of every gateway it is a candidate for and
 * reports each result to the controller.
 */
export class GatewayAgent {
  private readonly watcher: AssignmentWatcher;
  private readonly prober: HealthProber;
  private readonly host: GatewayHostApplier;
  private readonly log: Logger;
  private current: { revision: number; tasks: GatewayTask[]; host: GatewayHostState } | undefined;
  private connected = false;

  constructor(private readonly opts: GatewayAgentOptions) {
    const clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'gateway-agent' });
    this.host = new GatewayHostApplier({ snat: opts.snat, sysctl: opts.sysctl, routing: opts.routing }, this.log);
    this.prober = new HealthProber({ probe: opts.probe ?? networkProbe, report: (r) => this.report(r), clock, logger: this.log });
    this.watcher = new AssignmentWatcher({
      client: opts.client,
      nodeName: opts.nodeName,
      clock,
      rng: opts.rng ?? cryptoRng,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      logger: this.log,
      onConnected: (c) => {
        this.connected = c;
      },
      onAssignments: async (a) => {
        const { tasks, unknown } = decodeAssignments(a);
        if (unknown.length) this.log.warn('ignoring gateway assignments with a role this agent does not know', { gateways: unknown });
        const host = desiredGatewayHost(tasks);
        await this.host.apply(host);
        this.prober.set(probeTasks(tasks));
        this.logRoleChanges(tasks);
        this.current = { revision: a.revision, tasks, host };
      },
    });
  }

  /** Starts watching and probing. Returns at once; nothing is installed until the first assignments arrive. */
  start(): void {
    this.watcher.start();
  }

  /** Stops watching and probing. The installed host state stays: the data plane survives a restart. */
  async stop(): Promise<void> {
    this.prober.stop();
    await this.watcher.stop();
  }

  /** Removes everything gateway-related this node installed (SNAT rules; routing handed back empty). */
  async cleanup(): Promise<void> {
    await this.stop();
    await this.host.apply({ forwarding: false, snat: [], routeViaMesh: [], withhold: [] });
    this.current = undefined;
  }

  /** What is applied now: revision, per-gateway role, and whether the controller stream is up. */
  status(): { connected: boolean; revision?: number; roles: Record<string, string>; host?: GatewayHostState } {
    const roles: Record<string, string> = {};
    for (const t of this.current?.tasks ?? []) roles[t.gateway] = t.role;
    return { connected: this.connected, revision: this.current?.revision, roles, host: this.current?.host };
  }

  private logRoleChanges(tasks: GatewayTask[]): void {
    const before = new Map((this.current?.tasks ?? []).map((t) => [t.gateway, t.role]));
    for (const t of tasks) {
      if (before.get(t.gateway) !== t.role) this.log.info('gateway role changed', { gateway: t.gateway, from: before.get(t.gateway) ?? 'none', to: t.role, activePeer: t.activePeer });
    }
  }

  private report(r: ProbeReport): Promise<void> {
    const req: HealthReport = { nodeName: this.opts.nodeName, gateway: r.gateway, healthy: r.healthy, consecutiveFailures: r.consecutiveFailures, latencyMs: r.latencyMs, detail: r.detail, probedAtMs: r.probedAtMs };
    return new Promise((resolve, reject) => {
      this.opts.client.reportHealth(req, new Metadata(), { deadline: Date.now() + REPORT_DEADLINE_MS }, (err: Error | null, _ack?: HealthAck) => (err ? reject(err) : resolve()));
    });
  }
}
