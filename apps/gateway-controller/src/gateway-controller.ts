import type { KubeConfig } from '@kubernetes/client-node';
import {
  Controller,
  Informer,
  LeaderElector,
  StatusWriter,
  leaseApi,
  nodeApi,
  wireKubeApis,
  type KubeNode,
  type WireKubeGateway,
  type WireKubeMesh,
  type WireKubePeer,
} from '@wirekube/k8s';
import { errorMessage, nullLogger, type Clock, type Logger, type Rng } from '@wirekube/util';
import { GatewayControlService } from './control-service';
import { planGateways } from './core/plan';
import { gatewayStatus, type GatewayStatusValue, type StatusCondition } from './core/status';
import { INJECTED_ANNOTATION, gatewayInput, meshCidrOf, peerInput } from './kube-inputs';

/** Options of a {@link GatewayController}. Durations in ms. */
export interface GatewayControllerOptions {
  kubeConfig: KubeConfig;
  identity: string;
  leaseNamespace: string;
  leaseName?: string;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Minimum time between two status writes of one gateway. Default 1 000. */
  statusMinIntervalMs?: number;
  /** Timestamps-only status changes are written at most this often. Default 30 000. */
  statusHeartbeatMs?: number;
  /** How often health staleness is re-evaluated without any event. Default 1 000. */
  recheckMs?: number;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Told when this replica gains or loses leadership (readiness). */
  onLeading?: (leading: boolean) => void;
}

const ALL = 'gateways';

/**
 * Reconciles every WireKubeGateway as one level-triggered unit (routes of different gateways must
 * not overlap, so they are judged together). Only the Lease holder acts: it patches WireKubePeer
 * AllowedIPs, writes gateway status (change-only, rate-limited) and streams assignments; the
 * others keep warm caches and answer GatewayControl calls with UNAVAILABLE.
 */
export class GatewayController {
  readonly service: GatewayControlService;
  private readonly log: Logger;
  private readonly apis;
  private readonly informers;
  private readonly controller: Controller;
  private readonly elector: LeaderElector;
  private readonly statusWriter: StatusWriter<GatewayStatusValue, WireKubeGateway>;
  private leaderSinceMs = 0;
  private leading = false;
  private electorRun?: Promise<void>;
  /** Decisions this leader made, so it does not wait for its own writes to come back. */
  private readonly incumbents = new Map<string, string>();
  private readonly lastStatus = new Map<string, { significant: string; at: number; value: GatewayStatusValue }>();
  private readonly patchedPeers = new Map<string, string>();
  private readonly firstSeenAt = new Map<string, number>();
  /** Plain counters read by the metrics at scrape time. */
  readonly counters = { failovers: 0, peerPatches: 0, peerPatchErrors: 0 };
  /** Per gateway, what the last reconcile decided (for metrics). */
  readonly outcomes = new Map<string, { active: string; ready: boolean; routes: number }>();

  constructor(private readonly opts: GatewayControllerOptions) {
    const { clock, rng } = opts;
    this.log = (opts.logger ?? nullLogger).child({ component: 'gateway-controller' });
    this.apis = { ...wireKubeApis(opts.kubeConfig), nodes: nodeApi(opts.kubeConfig) };
    const inf = <T extends object>(api: ConstructorParameters<typeof Informer<T & { metadata?: object }>>[0]['api']) =>
      new Informer<T & { metadata?: object }>({ api, kubeConfig: opts.kubeConfig, clock, rng, logger: this.log, resyncIntervalMs: 60_000 });
    this.informers = {
      gateways: inf<WireKubeGateway>(this.apis.gateways),
      peers: inf<WireKubePeer>(this.apis.peers),
      meshes: inf<WireKubeMesh>(this.apis.meshes),
      nodes: inf<KubeNode>(this.apis.nodes),
    };
    this.informers.peers.on({ onUpdate: (_o, p) => this.patchedPeers.delete(p.metadata?.name ?? ''), onDelete: (p) => this.patchedPeers.delete(p.metadata?.name ?? '') });
    this.controller = new Controller({ name: 'gateway', clock, rng, logger: this.log, reconcile: () => this.reconcile() });
    for (const i of Object.values(this.informers)) this.controller.watch(i as Informer<{ metadata?: object }>, () => [ALL]);
    this.service = new GatewayControlService({
      clock,
      logger: this.log,
      onChange: () => this.controller.enqueue(ALL),
      candidatesOf: (name) => (this.informers.gateways.get(name) as WireKubeGateway | undefined)?.spec?.peerRefs,
    });
    this.statusWriter = new StatusWriter<GatewayStatusValue, WireKubeGateway>(this.apis.gateways, { clock, rng, minIntervalMs: opts.statusMinIntervalMs ?? 1_000, logger: this.log });
    this.elector = new LeaderElector({
      api: leaseApi(opts.kubeConfig, opts.leaseNamespace),
      leaseName: opts.leaseName ?? 'wirekube-gateway-controller',
      identity: opts.identity,
      clock,
      logger: this.log,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      onStartedLeading: () => this.setLeading(true),
      onStoppedLeading: () => this.setLeading(false),
    });
  }

  /** True while this replica holds the Lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Fills the caches, then competes for the Lease. Resolves once the caches are synced. */
  async start(): Promise<void> {
    await this.controller.start();
    this.electorRun = this.elector.run();
    this.recheck();
  }

  /** Releases the Lease (a standby takes over at once) and stops everything. Installed state stays. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.elector.stop();
    await this.electorRun;
    this.setLeading(false);
    this.statusWriter.close();
    await this.controller.stop();
  }

  /** Reconciles attempted and failed (the work queue retries failures with backoff). */
  get reconcileStats(): { reconciles: number; errors: number } {
    return this.controller.stats;
  }

  /** Resolves when no reconcile is pending (tests). */
  async idle(): Promise<void> {
    await this.controller.idle();
    await this.statusWriter.flush();
  }

  private stopped = false;

  private recheck(): void {
    if (this.stopped) return;
    // Health goes stale with time alone: a silent agent must be noticed without any event.
    if (this.leading) this.controller.enqueue(ALL);
    this.opts.clock.setTimeout(() => this.recheck(), this.opts.recheckMs ?? 1_000);
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info(leading ? 'leading: reconciling gateways' : 'not leading', { identity: this.opts.identity });
    this.incumbents.clear();
    this.outcomes.clear();
    this.lastStatus.clear();
    this.patchedPeers.clear();
    if (leading) this.leaderSinceMs = this.opts.clock.now();
    this.service.setLeading(leading);
    this.opts.onLeading?.(leading);
    if (leading) this.controller.enqueue(ALL);
  }

  private async reconcile(): Promise<void> {
    if (!this.leading) return;
    const now = this.opts.clock.now();
    const gateways = this.informers.gateways.list() as WireKubeGateway[];
    const nodes = new Map((this.informers.nodes.list() as KubeNode[]).map((n) => [n.metadata?.name ?? '', n]));
    const peers = this.informers.peers.list() as WireKubePeer[];
    const plan = planGateways({
      nowMs: now,
      leaderSinceMs: this.leaderSinceMs,
      meshCidr: meshCidrOf(this.informers.meshes.list() as WireKubeMesh[]),
      gateways: gateways.map((g) => ({ ...gatewayInput(g, this.incumbents.get(g.metadata?.name ?? '')), firstSeenMs: this.firstSeen(g.metadata?.name ?? '', now) })),
      peers: peers.map((p) => peerInput(p, nodes.get(p.metadata?.name ?? ''))),
      health: this.service.health,
      connectedAgents: this.service.connected(),
    });
    for (const name of this.firstSeenAt.keys()) if (!plan.gateways.some((g) => g.name === name)) this.firstSeenAt.delete(name);
    for (const g of plan.gateways) {
      const before = this.incumbents.get(g.name);
      if (before !== g.active) this.log.info('gateway active peer', { gateway: g.name, active: g.active || 'none', why: g.why });
      if (before && g.active && before !== g.active) this.counters.failovers++;
      this.incumbents.set(g.name, g.active);
    }
    // Routes first: a new active must carry the routes before agents are told to forward them.
    const failures: string[] = [];
    for (const p of plan.peerPatches) {
      const body = { metadata: { annotations: { [INJECTED_ANNOTATION]: Object.keys(p.injected).length ? JSON.stringify(p.injected) : null } }, spec: { allowedIPs: p.allowedIPs } };
      const key = JSON.stringify(body);
      if (this.patchedPeers.get(p.peer) === key) continue;
      try {
        await this.apis.peers.mergePatch(p.peer, body);
        this.counters.peerPatches++;
        this.patchedPeers.set(p.peer, key);
        this.log.info('peer AllowedIPs updated', { peer: p.peer, allowedIPs: p.allowedIPs, injected: p.injected });
      } catch (err) {
        this.counters.peerPatchErrors++;
        failures.push(`${p.peer}: ${errorMessage(err)}`);
      }
    }
    this.service.publish(plan.assignments);
    const peerByName = new Map(peers.map((p) => [p.metadata?.name ?? '', p]));
    for (const o of plan.gateways) {
      const cr = gateways.find((g) => g.metadata?.name === o.name);
      const prev = this.lastStatus.get(o.name)?.value ?? (cr?.status as { activePeer?: string; conditions?: StatusCondition[] } | undefined);
      const status = gatewayStatus({ outcome: o, observedActiveAllowedIPs: peerByName.get(o.active)?.spec?.allowedIPs ?? [], previous: prev, nowMs: now });
      this.writeStatus(o.name, status, now);
      this.outcomes.set(o.name, { active: o.active, ready: status.ready, routes: status.routesInjected });
    }
    for (const name of this.outcomes.keys()) if (!plan.gateways.some((g) => g.name === name)) this.outcomes.delete(name);
    if (failures.length) throw new Error(`peer patches failed: ${failures.join('; ')}`);
  }

  private firstSeen(name: string, now: number): number {
    const at = this.firstSeenAt.get(name) ?? now;
    this.firstSeenAt.set(name, at);
    return at;
  }

  private writeStatus(name: string, status: GatewayStatusValue, now: number): void {
    const significant = JSON.stringify({ ...status, lastHealthCheck: undefined, peerHealth: status.peerHealth.map((p) => ({ ...p, lastProbe: undefined })) });
    const last = this.lastStatus.get(name);
    if (last && last.significant === significant && now - last.at < (this.opts.statusHeartbeatMs ?? 30_000)) return;
    this.lastStatus.set(name, { significant, at: now, value: status });
    this.statusWriter.update(name, status);
  }
}
