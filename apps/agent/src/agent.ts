import { BIRTHDAY_ATTACK_ANNOTATION, type WireKubePeer } from '@wirekube/k8s';
import { formatCidr, formatHostPort, parseCidr, planNode, RULE_PRIORITY_API_SERVER, RULE_PRIORITY_FWMARK, RULE_PRIORITY_MESH, type HostPort, type MeshConfig, type MeshPeer, type NodePlan, type PathState, type PlannedPeer, type PathTuning } from '@wirekube/planner';
import { backoffDelay, errorMessage, memoByObject, type Clock, type Logger, type Rng } from '@wirekube/util';
import { WgKey, type DeviceConfig, type PeerConfig, type PeerStats, type WireGuardDevice } from '@wirekube/wg';
import { Coalescer } from './coalescer';
import type { MeshHost } from './host-net';
import type { MeshApi, NodeFacts, OwnPeer } from './kube-mesh-api';
import type { NatFacts } from './nat-report';
import { routablePeers } from './gateway-routing';
import { meshIpClaims, ownMeshIp, ownPeer, ownPeerMatches } from './own-peer';
import { DirectPaths } from './direct/direct-paths';
import type { PunchTuning } from './direct/direct-types';
import type { ProbeChannelOptions } from './direct/probe-channel';
import { observationsOf, wgEndpointOf, type LocalAddress } from './direct/local-facts';
import type { RelayPort } from './relay-link';
import { agentStatusOf } from './agent-status';
import { PeerStatusPublisher } from './status-writer';
import { translateMesh, type MeshView } from './mesh-view';

/** Priorities of the ip rules WireKube owns. */
export const OWNED_RULE_PRIORITIES = [RULE_PRIORITY_FWMARK, RULE_PRIORITY_API_SERVER, RULE_PRIORITY_MESH] as const;
/** Default of `AgentDeps.pathSampleMs`. */
const DEFAULT_PATH_SAMPLE_MS = 250;
/** Longest the first device configuration waits for the pre-bind probe of the WireGuard port. */
const PRE_BIND_BUDGET_MS = 2000;
/** MTU used when the mesh says `auto` (uplink 1500 minus WireGuard's IPv6 worst-case overhead). */
const AUTO_MTU = 1420;
/** A usable path without a handshake after this long gets its WireGuard peer re-created. */
const HANDSHAKE_NUDGE_MS = 500;
/** wireguard-go's REKEY_TIMEOUT: a peer is nudged at most once per this interval. */
const REKEY_TIMEOUT_MS = 5000;

/** Everything the agent is wired to; every side effect goes through one of these ports. */
export interface AgentDeps {
  nodeName: string;
  meshName: string;
  privateKey: WgKey;
  publicKey: WgKey;
  api: MeshApi;
  host: Pick<MeshHost, 'apply'>;
  /** Creates or adopts the WireGuard device once the mesh names the interface. */
  openDevice(iface: string): Promise<{ device: WireGuardDevice; backend: string }>;
  /** Creates the relay link once the mesh (listen port, relay endpoints) is known. */
  openRelay(mesh: MeshConfig): RelayPort | undefined;
  /** Asks the stun-probe sidecar for a NAT report. */
  probeNat(mesh: MeshConfig): Promise<NatFacts>;
  apiServerIps: string[];
  clock: Clock;
  rng: Rng;
  logger: Logger;
  statusRefreshMs: number;
  statusMinGapMs: number;
  /** How often WireGuard counters are read for status and `connected`. */
  statsIntervalMs: number;
  /** After start, the data plane is left as found while peers are still down, for up to this long. */
  adoptGraceMs: number;
  /** Handshakes older than this do not count as connected. */
  handshakeFreshMs: number;
  /** How often WireGuard counters feed the path machines (roaming, silence); ≤ 250 ms for 3 s failover. */
  pathSampleMs?: number;
  /**
   * STUN discovery from the WireGuard listen port itself, run once before a fresh device binds it
   * (the mapping WireGuard then inherits behind an endpoint-independent NAT). Absent: not done.
   */
  probeWgPort?(mesh: MeshConfig): Promise<NatFacts>;
  /** This node's underlay addresses with their prefixes (host candidates, same-LAN detection). */
  localAddresses?(mesh: MeshConfig): LocalAddress[];
  /** Opens the active-probe socket (absent: no probes, so no path is ever proven direct). */
  openProbes?(o: Pick<ProbeChannelOptions, 'port' | 'isPeer' | 'onReply'>): ProbePort;
  /** Path machine and punch tuning (tests shorten them). */
  pathTuning?: Partial<PathTuning>;
  punchTuning?: Partial<PunchTuning>;
}

/** The active-probe socket as the agent uses it (see `ProbeChannel`). */
export interface ProbePort {
  bind(meshIp: string): Promise<void>;
  send(ip: string, seq: number): boolean;
  close(): void;
}

/** The agent's current picture, read by the admin service and metrics. */
export interface AgentState {
  mesh?: MeshConfig;
  meshIp?: string;
  backend?: string;
  nat?: NatFacts;
  view?: MeshView;
  plan?: NodePlan;
  paths: ReadonlyMap<string, { state: PathState; sinceMs: number }>;
  /** Punch outcomes and failovers since start (see `DirectPaths.counters`). */
  pathCounters?: DirectPaths['counters'];
  /** Which evidence the published WireGuard endpoint rests on, and why. */
  endpointSource?: { source: string; reason: string };
  stats: ReadonlyMap<string, PeerStats>;
  relaySessions: string[];
  startedAtMs: number;
}

/**
 * The node agent: follows the WireKubeMesh and every WireKubePeer by watching, and after each
 * (coalesced) change plans the node (`planNode`) and applies only the differences to WireGuard and
 * the host; publishes this node's WireKubePeer spec and a truthful, rate-limited status.
 */
export class Agent {
  private readonly reconciler: Coalescer;
  private readonly writer: PeerStatusPublisher;
  private device?: WireGuardDevice;
  private relay?: RelayPort;
  private node?: NodeFacts;
  private applied = false;
  private natAttempt = 0;
  private natProbing = false;
  private meshMissingLogs = 0;
  private statsTimer?: ReturnType<Clock['setTimeout']>;
  private nudgeTimer?: ReturnType<Clock['setTimeout']>;
  private lastConfig?: DeviceConfig;
  private readonly nudged = new Map<string, number>();
  private closed = false;
  private readonly paths = new Map<string, { state: PathState; sinceMs: number }>();
  private direct?: DirectPaths;
  private probes?: ProbePort;
  private preBind?: { facts: NatFacts; atMs: number };
  private natAtMs = 0;
  private sampleTimer?: ReturnType<Clock['setTimeout']>;
  private sampleFast = false;
  /** Gateway route CIDRs this node must not route (it is outside the gateway's clientRefs). */
  private withheld = new Set<string>();
  readonly state: AgentState;

  constructor(private readonly d: AgentDeps) {
    this.state = { paths: this.paths, stats: new Map(), relaySessions: [], startedAtMs: d.clock.now() };
    this.reconciler = new Coalescer(() => this.reconcile(), { clock: d.clock, rng: d.rng, logger: d.logger, what: 'reconcile' });
    this.writer = new PeerStatusPublisher({
      name: d.nodeName,
      patchStatus: (name, patch) => d.api.writeStatus(name, patch),
      clock: d.clock,
      rng: d.rng,
      logger: d.logger,
      minGapMs: d.statusMinGapMs,
      refreshMs: d.statusRefreshMs,
    });
  }

  /** Reconciles run so far, for tests and metrics. */
  get reconciles(): number {
    return this.reconciler.runs;
  }

  /** Status writes so far. */
  get statusWrites(): number {
    return this.writer.writes;
  }

  /** Starts following the mesh; returns at once (progress is logged and visible in status). */
  start(): void {
    this.d.api.onChange(() => this.reconciler.kick());
    this.tickStats();
    this.tickSamples();
    this.reconciler.kick();
  }

  /** Stops timers and the relay; leaves WireGuard, routes and rules in place (restart re-adopts them). */
  close(): void {
    this.closed = true;
    this.reconciler.close();
    this.writer.close();
    if (this.statsTimer) this.d.clock.clearTimeout(this.statsTimer);
    if (this.nudgeTimer) this.d.clock.clearTimeout(this.nudgeTimer);
    if (this.sampleTimer) this.d.clock.clearTimeout(this.sampleTimer);
    this.direct?.close();
    this.probes?.close();
    this.relay?.close();
  }

  private tickStats(): void {
    this.statsTimer = this.d.clock.setTimeout(() => {
      void this.refreshStatus()
        .catch((err: unknown) => this.d.logger.warn('reading WireGuard counters failed', { err: errorMessage(err) }))
        .finally(() => !this.closed && this.tickStats());
    }, this.d.statsIntervalMs);
  }

  /**
   * Feeds WireGuard's counters to the path machines: every `pathSampleMs` while some peer is on a
   * direct path (silence, roaming, proof), every `statsIntervalMs` while all are relayed (a
   * 1000-peer read costs ≈ 12 ms of CPU across agent and wireguard-go).
   */
  private tickSamples(): void {
    const fast = this.direct?.needsFastSamples() ?? false;
    this.sampleFast = fast;
    this.sampleTimer = this.d.clock.setTimeout(() => {
      this.sampleTimer = undefined;
      const device = this.device;
      const read = device && this.direct ? device.stats().then((stats) => this.direct?.sample(stats)) : Promise.resolve();
      void read
        .catch((err: unknown) => this.d.logger.warn('sampling WireGuard counters for the path machines failed', { err: errorMessage(err) }))
        .finally(() => !this.closed && this.tickSamples());
    }, fast ? (this.d.pathSampleMs ?? DEFAULT_PATH_SAMPLE_MS) : this.d.statsIntervalMs);
  }

  /**
   * Takes the gateway routing decided by the GatewayControl assignments. CLIENT routes need nothing
   * here: the controller injects them into the active gateway's AllowedIPs, which the planner
   * already routes. `withhold` CIDRs (this node is outside a gateway's clientRefs) are dropped from
   * every other peer's AllowedIPs before planning (see {@link routablePeers}).
   */
  setGatewayRouting(routing: { withhold: readonly string[] }): void {
    const next = new Set<string>();
    for (const text of routing.withhold) {
      const c = parseCidr(text);
      if (c.ok) next.add(formatCidr(c.value));
      else this.d.logger.warn('ignoring a withheld gateway CIDR that does not parse', { cidr: text, reason: c.reason });
    }
    if ([...next].sort().join() === [...this.withheld].sort().join()) return;
    this.d.logger.info('gateway CIDRs withheld from routing changed', { withhold: [...next] });
    this.withheld = next;
    this.reconciler.kick();
  }

  /** Requests a reconcile (e.g. after wireguard-go restarted empty). */
  kick(): void {
    this.reconciler.kick();
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    const d = this.d;
    // Until the first lists arrive, "no mesh" would be a guess; the list itself kicks a reconcile.
    if (!d.api.synced()) return;
    const meshObj = d.api.mesh(d.meshName);
    const view = translateMesh(meshObj, d.api.peers(), this.state.view?.mesh);
    if (!view.mesh) {
      const wait = backoffDelay(this.meshMissingLogs++, { initialMs: 1000, maxMs: 30_000 }, d.rng);
      d.logger.info(`waiting for WireKubeMesh "${d.meshName}": ${view.meshProblem ?? 'not found'}; watching for it`, { retryMs: wait });
      this.reconciler.later(wait);
      return;
    }
    this.meshMissingLogs = 0;
    const mesh = view.mesh;
    this.state.view = view;
    this.state.mesh = mesh;
    // The relay session is the slowest step of a join: start it before anything else.
    if (mesh.relay.mode !== 'never' && !this.relay) {
      this.relay = d.openRelay(mesh);
      this.relay?.onChange(() => this.reconciler.kick());
    }
    this.direct ??= this.openDirect(mesh);
    this.node ??= await d.api.node(d.nodeName);
    if (!this.device) {
      const opened = await d.openDevice(mesh.interfaceName);
      // A fresh device has not bound the listen port yet: probe its mapping first (see probeWgPort).
      if ((await opened.device.stats()).length === 0) await this.probeWgPort(mesh);
      this.device = opened.device;
      this.state.backend = opened.backend;
      d.logger.info('WireGuard device ready', { iface: mesh.interfaceName, backend: opened.backend });
    }
    if (!this.state.nat && !this.natProbing) void this.probeNat(mesh);

    const ownObj = d.api.peers().find((p) => p.metadata?.name === d.nodeName);
    const others = view.peers.filter((p) => p.name !== d.nodeName);
    const ip = ownMeshIp(d.nodeName, mesh, ownObj, others);
    if (!ip.ok) throw new Error(`cannot derive a mesh address: ${ip.reason}`);
    if (ip.ok && ip.collisionsSkipped > 0 && this.state.meshIp !== ip.ip) d.logger.warn('mesh address collided; took the next slot', { ip: ip.ip, skipped: ip.collisionsSkipped });
    this.state.meshIp = ip.ip;
    // This node's facts, once per reconcile: its addresses and the WireGuard endpoint it publishes.
    const addresses = d.localAddresses?.(mesh) ?? [];
    const wgEndpoint = this.wgEndpoint(mesh, others, addresses).endpoint;
    const own = ownPeer(this.specInputs(mesh, ownObj, ip.ip, wgEndpoint));
    await this.publishSpec(ownObj, own, ip.ip);

    const self: MeshPeer = {
      name: d.nodeName,
      publicKey: d.publicKey.toBase64(),
      allowedIps: own.spec.allowedIPs,
      persistentKeepaliveSec: 0,
      natType: this.state.nat?.natType ?? 'unknown',
      terminating: false,
    };
    await this.syncPaths(mesh, others, { addresses, ownObj, ...(wgEndpoint && { wgEndpoint }) });
    this.state.relaySessions = this.relay?.sessions() ?? [];
    const plan = planNode({
      node: d.nodeName,
      publicKey: self.publicKey,
      meshIp: ip.ip,
      mesh,
      peers: [self, ...routablePeers(others, { withheld: this.withheld, ownAddresses: this.node?.internalIp ? [this.node.internalIp] : [] })],
      paths: new Map([...this.paths].map(([k, v]) => [k, v.state])),
      apiServerIps: d.apiServerIps,
    });
    this.state.plan = plan;
    for (const p of plan.problems) d.logger.warn('peer left out of the plan', { ...p });

    if (await this.deferAdoption(plan)) {
      // Restart: what the last agent installed keeps forwarding until paths are re-established.
      this.reconciler.later(d.adoptGraceMs - (d.clock.now() - this.state.startedAtMs));
    } else {
      await this.apply(plan);
      this.applied = true;
    }
    await this.refreshStatus();
  }

  /**
   * True while a restarted agent should leave the data plane as found: the device already has peers
   * (a previous agent configured it), some planned peer has no path yet, and the grace period runs.
   */
  private async deferAdoption(plan: NodePlan): Promise<boolean> {
    if (this.applied || !this.device) return false;
    if (this.d.clock.now() - this.state.startedAtMs >= this.d.adoptGraceMs) return false;
    const anyDown = plan.peers.some((p) => (this.paths.get(p.node)?.state.kind ?? 'down') === 'down');
    return anyDown && (await this.device.stats()).length > 0;
  }

  private async apply(plan: NodePlan): Promise<void> {
    const device = this.device;
    if (!device) return;
    this.lastConfig = {
      privateKey: this.d.privateKey,
      listenPort: plan.device.listenPort,
      fwmark: plan.device.fwmark,
      peers: plan.peers.map(peerConfig),
    };
    await device.set(this.lastConfig, { forceEndpoints: this.direct?.takeForced() ?? [] });
    if (this.state.meshIp) await this.probes?.bind(this.state.meshIp).catch((err: unknown) => this.d.logger.warn('active-probe socket not bound yet; retried on the next reconcile', { err: errorMessage(err) }));
    this.nudgeTimer ??= this.d.clock.setTimeout(() => {
      this.nudgeTimer = undefined;
      void this.nudgeStalled().catch((err: unknown) => this.d.logger.warn('handshake nudge failed', { err: errorMessage(err) }));
    }, HANDSHAKE_NUDGE_MS);
    await this.d.host.apply({
      iface: plan.device.name,
      mtu: plan.device.mtu === 'auto' ? AUTO_MTU : plan.device.mtu,
      addresses: plan.device.addresses,
      routes: plan.routes,
      rules: plan.rules,
    });
  }

  /**
   * Re-creates WireGuard peers whose path has been usable for a while without any handshake. A
   * first initiation that reached the other side before it knew this node (its watch or relay
   * proxy lagging by a few ms) is otherwise retried only after wireguard-go's 5 s rekey timeout; a
   * fresh peer with a keepalive initiates at once. At most once per rekey interval per peer.
   */
  private async nudgeStalled(): Promise<void> {
    const device = this.device;
    const config = this.lastConfig;
    const plan = this.state.plan;
    if (!device || !config || !plan || this.closed) return;
    const now = this.d.clock.now();
    const stats = new Map((await device.stats()).map((s) => [s.publicKey, s]));
    const stalled = new Set<string>();
    for (const p of plan.peers) {
      const path = this.paths.get(p.node);
      if (!path || path.state.kind === 'down' || now - path.sinceMs < HANDSHAKE_NUDGE_MS) continue;
      if ((stats.get(p.publicKey)?.lastHandshakeMs ?? 0) > 0 || now - (this.nudged.get(p.publicKey) ?? -Infinity) < REKEY_TIMEOUT_MS) continue;
      stalled.add(p.publicKey);
      this.nudged.set(p.publicKey, now);
    }
    if (stalled.size === 0) return;
    this.d.logger.info('no handshake on a usable path yet; re-creating the WireGuard peers to initiate now', { peers: stalled.size });
    await device.set({ ...config, peers: config.peers.filter((p) => !stalled.has(p.publicKey.toBase64())) });
    await device.set(config);
  }

  private specInputs(mesh: MeshConfig, ownObj: WireKubePeer | undefined, meshIp: string, wgEndpoint: HostPort | undefined) {
    const endpoint = wgEndpoint && formatHostPort(wgEndpoint);
    return { publicKey: this.d.publicKey.toBase64(), mesh, meshIp, ...(this.node?.internalIp && { internalIp: this.node.internalIp }), ...(endpoint && { endpoint }), ...(ownObj && { existing: ownObj }) };
  }

  private async publishSpec(ownObj: WireKubePeer | undefined, own: OwnPeer, meshIp: string): Promise<void> {
    if (ownPeerMatches(ownObj, own)) return;
    const spec = own.spec;
    this.d.logger.info(ownObj ? 'updating own WireKubePeer spec' : 'creating own WireKubePeer', { meshIp, allowedIPs: spec.allowedIPs, endpoint: spec.endpoint });
    if (!this.node) throw new Error('node facts not loaded');
    await this.d.api.upsertOwnPeer(this.d.nodeName, this.node, own);
  }

  /** The published WireGuard endpoint decision (DESIGN §5), recorded for the admin service. */
  private wgEndpoint(mesh: MeshConfig, others: readonly MeshPeer[], addresses: readonly LocalAddress[]) {
    const decision = wgEndpointOf({
      listenPort: mesh.listenPort,
      nowMs: this.d.clock.now(),
      startedAtMs: this.state.startedAtMs,
      hostIps: addresses.map((a) => a.ip),
      ...(this.state.nat && { nat: { facts: this.state.nat, atMs: this.natAtMs } }),
      ...(this.preBind && { preBind: this.preBind }),
      nodeName: this.d.nodeName,
      others,
      observations: observationsOf(this.d.api.peers(), this.d.nodeName),
    });
    if (this.state.endpointSource?.reason !== decision.reason) this.d.logger.info('published WireGuard endpoint decided', { endpoint: decision.endpoint && formatHostPort(decision.endpoint), source: decision.source, reason: decision.reason });
    this.state.endpointSource = { source: decision.source, reason: decision.reason };
    return decision;
  }

  /** The direct-path machines, wired to the relay, the device, the probe socket and the reconciler. */
  private openDirect(mesh: MeshConfig): DirectPaths {
    const d = this.d;
    const direct: DirectPaths = new DirectPaths({
      nodeName: d.nodeName,
      publicKey: d.publicKey.toBase64(),
      ...(this.relay && { relay: this.relay }),
      device: () => this.device,
      sendProbe: (ip, seq) => void this.probes?.send(ip, seq),
      onPathChange: () => {
        this.reconciler.kick();
        // A peer that just went direct needs fast samples now, not after the slow interval.
        if (!this.sampleFast && this.sampleTimer && direct.needsFastSamples()) {
          this.d.clock.clearTimeout(this.sampleTimer);
          this.tickSamples();
        }
      },
      clock: d.clock,
      rng: d.rng,
      logger: d.logger,
      ...(d.pathTuning && { tuning: d.pathTuning }),
      ...(d.punchTuning && { punch: d.punchTuning }),
    });
    // The probe port follows the mesh's listen port (one above it), the same on every node.
    this.state.pathCounters = direct.counters;
    this.probes = d.openProbes?.({ port: mesh.listenPort + 1, isPeer: (ip) => direct.isPeerIp(ip), onReply: (ip, seq) => direct.probeReply(ip, seq) });
    return direct;
  }

  /** Feeds the mesh, the relay and this node's facts to the path machines and reads back every peer's path. */
  private async syncPaths(mesh: MeshConfig, others: readonly MeshPeer[], own: { addresses: readonly LocalAddress[]; ownObj: WireKubePeer | undefined; wgEndpoint?: HostPort }): Promise<void> {
    const direct = this.direct!;
    const { addresses, wgEndpoint } = own;
    const birthday = own.ownObj?.metadata?.annotations?.[BIRTHDAY_ATTACK_ANNOTATION];
    await direct.sync(mesh, others, new Map(meshIpClaims(mesh.meshCidr, others).map((c) => [c.node, c.ip])), {
      ...(this.state.nat && { report: this.state.nat.report }),
      ...(wgEndpoint && { wgEndpoint }),
      hostIps: addresses.map((a) => a.ip),
      localSubnets: addresses.map((a) => a.cidr),
      ...(birthday === 'enabled' || birthday === 'disabled' ? { birthday: birthday === 'enabled' } : {}),
    });
    this.paths.clear();
    for (const p of others) {
      const path = direct.path(p.name);
      if (path) this.paths.set(p.name, path);
    }
  }

  /**
   * STUN from the WireGuard listen port before the device binds it (see `reconcileWgEndpoint`):
   * behind an endpoint-independent NAT, WireGuard inherits the mapping. Bounded, so a node whose
   * UDP is blocked loses at most `PRE_BIND_BUDGET_MS` before its relay path comes up.
   */
  private async probeWgPort(mesh: MeshConfig): Promise<void> {
    if (!this.d.probeWgPort) return;
    const started = this.d.clock.now();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const budget = new Promise<undefined>((r) => (timer = this.d.clock.setTimeout(() => r(undefined), PRE_BIND_BUDGET_MS)));
    try {
      const facts = await Promise.race([this.d.probeWgPort(mesh), budget]);
      if (facts) this.preBind = { facts, atMs: this.d.clock.now() };
      this.d.logger.info(facts ? 'probed the WireGuard port before binding it' : 'pre-bind probe of the WireGuard port ran out of time', { listenPort: mesh.listenPort, mapped: facts?.mapped, natType: facts?.natType, tookMs: this.d.clock.now() - started });
    } catch (err) {
      this.d.logger.warn('pre-bind probe of the WireGuard port failed; the endpoint is inferred or observed instead', { err: errorMessage(err) });
    } finally {
      if (timer) this.d.clock.clearTimeout(timer);
    }
  }

  private async probeNat(mesh: MeshConfig): Promise<void> {
    this.natProbing = true;
    while (!this.closed && !this.state.nat) {
      try {
        this.state.nat = await this.d.probeNat(mesh);
        this.natAtMs = this.d.clock.now();
        this.d.logger.info('NAT report received', { natType: this.state.nat.natType, mapped: this.state.nat.mapped });
        this.reconciler.kick();
      } catch (err) {
        const wait = backoffDelay(this.natAttempt++, { initialMs: 1000, maxMs: 60_000 }, this.d.rng);
        this.d.logger.warn('NAT probe via stun-probe failed; retrying', { err: errorMessage(err), retryMs: wait });
        await new Promise<void>((r) => this.d.clock.setTimeout(r, wait));
      }
    }
    this.natProbing = false;
  }

  /** Reads WireGuard counters and offers the status to the rate-limited writer. */
  async refreshStatus(): Promise<void> {
    if (!this.device || !this.state.plan || this.closed) return;
    this.state.stats = new Map((await this.device.stats()).map((s) => [s.publicKey, s]));
    await this.nudgeStalled();
    const ownObj = this.d.api.peers().find((p) => p.metadata?.name === this.d.nodeName);
    if (!ownObj) return;
    const previous = ownObj.status;
    this.writer.offer(agentStatusOf(this.state, { nodeName: this.d.nodeName, nowMs: this.d.clock.now(), handshakeFreshMs: this.d.handshakeFreshMs, ...(previous && { previous }) }));
  }
}

// Planned peers are shared across plans while unchanged (libs/planner); so are their device
// configs, which the device then canonicalizes once (docs/scale.md).
const peerConfig = memoByObject(
  (p: PlannedPeer): PeerConfig => ({
    publicKey: WgKey.fromBase64(p.publicKey),
    allowedIps: p.allowedIps,
    ...(p.endpoint && { endpoint: `${p.endpoint.host}:${p.endpoint.port}` }),
    // Keepalive only once there is an endpoint: WireGuard sends a keepalive (and so starts the
    // handshake) the moment the interval goes from 0 to non-zero, instead of waiting out the
    // 5 s rekey timeout left by a handshake it tried when it had nowhere to send.
    persistentKeepaliveSec: p.endpoint ? p.persistentKeepaliveSec : 0,
  }),
);
