import type { BirthdayPlan, PunchSide, TransportAddress, UdpPort } from '@wirekube/nat';
import { decidePair, formatHostPort, parseHostPort, PathDriver, punchSideOfPeer, type HostPort, type MeshConfig, type MeshPeer, type PathAction, type PathState, type PathTuning, type PeerPathState } from '@wirekube/planner';
import type { PunchAnswer } from '@wirekube/proto';
import { errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';
import { WgKey, type PeerStats } from '@wirekube/wg';
import type { IncomingPunch } from '@wirekube/relay-client';
import type { RelayPort } from '../relay-link';
import { localPunchSide, remotePunchSide, toWireCandidates, wireNatReport } from './candidates';
import { birthdayToken, runBirthday, type WgBridge } from './birthday';
import { DEFAULT_PUNCH_TUNING, samePath, type LocalFacts, type PathDevice, type PunchTuning } from './direct-types';
import { punchCandidates } from './punch-candidates';
import { punchWithWireGuard } from './wg-punch';

/** Options of {@link DirectPaths}. */
export interface DirectPathsOptions {
  nodeName: string;
  /** This node's WireGuard public key (base64); it seeds the birthday attack's shared token. */
  publicKey: string;
  relay?: RelayPort;
  device(): PathDevice | undefined;
  /** Sends active probe `seq` to the peer agent at mesh address `ip`. */
  sendProbe(ip: string, seq: number): void;
  /** A published path changed or an endpoint must be (re)written: plan and apply again. */
  onPathChange(): void;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  tuning?: Partial<PathTuning>;
  punch?: Partial<PunchTuning>;
}

interface Peer {
  peer: MeshPeer;
  key: WgKey;
  keyBytes: Buffer;
  meshIp?: string;
  /** The peer's side as its last offer or answer told it (host candidates, WireGuard mapping). */
  told?: PunchSide;
  pairKey?: string;
  /** What the last pair decision was made from (see `decide`): unchanged inputs, same decision. */
  decidedFrom?: { peer: MeshPeer; told: PunchSide | undefined; context: number };
  /** The last relay evidence handed to the machine (`present|endpoint`). */
  relayKey?: string;
  /** The path last handed to the agent, and the machine phase at that moment. */
  published?: PathState;
  phase?: PeerPathState['phase'];
  /** The id of this node's candidates-only exchange with the peer, once sent. */
  exchangeId?: string;
  /** The cone side's punch socket of a birthday attack being prepared or run, and its mapping. */
  punchSocket?: { id: string; port: UdpPort; mapped: TransportAddress };
  /**
   * Where the last punch found the peer. A retry aims there first: the NAT keeps that mapping for
   * WireGuard's flow while it lives, whatever new ports a sequential allocator hands out since.
   */
  lastPunched?: HostPort;
  /** WireGuard's bridge through the socket that won a birthday attack, while it is the path. */
  bridge?: WgBridge;
}

/**
 * Direct paths for every remote peer (DESIGN §5): runs one path machine per peer
 * (`PathDriver`, libs/planner) and carries out its actions — relay presence and proxy endpoints in,
 * the pair matrix in, punch requests and answers through the relay control channel, the punch
 * itself with the WireGuard port ({@link punchWithWireGuard}), active probes through the tunnel,
 * WireGuard counters in (`sample`, every call of {@link DirectPaths.sample}). The published
 * `PathState` per peer is what the agent plans; endpoint writes the machine asks for are handed
 * to the agent as forced endpoints, so roaming never undoes a switch.
 */
export class DirectPaths {
  /** Since start: punches by mode and outcome, and direct paths that failed over to the relay. */
  readonly counters = { punches: { direct: { won: 0, failed: 0 }, birthday: { won: 0, failed: 0 } }, failovers: 0 };
  private readonly driver: PathDriver;
  private readonly peers = new Map<string, Peer>();
  private readonly byKey = new Map<string, string>();
  private readonly byMeshIp = new Map<string, string>();
  private readonly forced = new Set<string>();
  private readonly punching = new Map<string, string>();
  private readonly offers = new Map<string, IncomingPunch>();
  private readonly punch: PunchTuning;
  private mesh?: MeshConfig;
  private local: LocalFacts = { hostIps: [], localSubnets: [] };
  /** Bumped when this node's facts or the mesh settings a pair decision reads change. */
  private context = 0;
  private contextKey = '';
  private side?: PunchSide;
  private closed = false;

  constructor(private readonly o: DirectPathsOptions) {
    this.punch = { ...DEFAULT_PUNCH_TUNING, ...o.punch };
    this.driver = new PathDriver({ clock: o.clock, rng: o.rng, ...(o.tuning && { tuning: o.tuning }), onChange: (peer, actions, path, state) => this.changed(peer, actions, path, state) });
    o.relay?.onPunchOffer((p) => this.offered(p));
    o.relay?.onPunchAnswer((a) => this.answered(a));
  }

  /**
   * Follows the mesh: starts and stops a machine per peer, and feeds each the relay's current
   * evidence (opening the peer's proxy endpoint as soon as this node holds a session, so a
   * handshake the peer sends first finds it) and the pair matrix's decision.
   */
  async sync(mesh: MeshConfig, peers: readonly MeshPeer[], meshIps: ReadonlyMap<string, string>, local: LocalFacts): Promise<void> {
    this.mesh = mesh;
    this.local = local;
    // A sync walks every peer; with 1000 peers, only what changed may cost (docs/scale.md).
    const contextKey = JSON.stringify([local, mesh.listenPort, mesh.relay.mode, mesh.birthdayAttack]);
    if (contextKey !== this.contextKey) {
      this.contextKey = contextKey;
      this.context++;
      delete this.side;
    }
    const relay = this.o.relay;
    const wanted = new Set<string>();
    for (const p of peers) {
      if (p.terminating) continue;
      wanted.add(p.name);
      let entry = this.peers.get(p.name);
      if (!entry || entry.key.toBase64() !== p.publicKey) {
        if (entry) this.drop(p.name);
        const key = WgKey.fromBase64(p.publicKey);
        entry = { peer: p, key, keyBytes: key.bytes() };
        this.peers.set(p.name, entry);
        this.byKey.set(p.publicKey, p.name);
        this.driver.add(p.name, { initiator: this.o.nodeName < p.name });
      }
      entry.peer = p;
      this.setMeshIp(entry, meshIps.get(p.name));
      this.decide(p.name);
      const keyBytes = entry.keyBytes;
      let endpoint = relay?.endpoint(keyBytes);
      if (relay?.localUp() && !endpoint) endpoint = await relay.open(keyBytes);
      const present = relay?.present(keyBytes) ?? false;
      // Outside `down`, a machine answers unchanged relay evidence with nothing: send changes only.
      const relayKey = `${present}|${endpoint ? formatHostPort(endpoint) : ''}`;
      if (entry.relayKey !== relayKey || this.driver.state(p.name)?.phase === 'down') {
        entry.relayKey = relayKey;
        this.driver.handle(p.name, { type: 'relay', present, ...(endpoint && { endpoint }) });
      }
      if (present) this.exchange(entry);
    }
    for (const name of [...this.peers.keys()]) if (!wanted.has(name)) this.drop(name);
  }

  /** The published path of a peer, and since when. */
  path(name: string): { state: PathState; sinceMs: number } | undefined {
    const s = this.driver.state(name);
    return s && { state: s.path, sinceMs: s.sinceMs };
  }

  /** The machine state of a peer (phase, attempts), for the admin service. */
  state(name: string): PeerPathState | undefined {
    return this.driver.state(name);
  }

  /** Keys (base64) whose endpoint the next device write must set even if unchanged; clears them. */
  takeForced(): string[] {
    const keys = [...this.forced];
    this.forced.clear();
    return keys;
  }

  /** Feeds one read of WireGuard's counters to every machine (peers being punched are skipped: the punch owns their endpoint). */
  sample(stats: readonly PeerStats[]): void {
    for (const s of stats) {
      const name = this.byKey.get(s.publicKey);
      if (!name || this.punching.has(name)) continue;
      const ep = s.endpoint ? parseHostPort(s.endpoint) : undefined;
      this.driver.handle(name, { type: 'sample', ...(ep?.ok && { endpoint: ep.value }), lastHandshakeMs: s.lastHandshakeMs, rxBytes: s.rxBytes, txBytes: s.txBytes });
    }
  }

  /**
   * Whether some peer is on (or proving) a direct path: only then do counters need reading at the
   * fast rate (silence detection, roaming while verifying). Relayed peers need them rarely.
   */
  needsFastSamples(): boolean {
    return this.driver.names().some((n) => ['verifying', 'direct', 'suspect'].includes(this.driver.state(n)?.phase ?? 'down'));
  }

  /** A probe reply arrived from mesh address `ip`. */
  probeReply(ip: string, seq: number): void {
    const name = this.byMeshIp.get(ip);
    if (name) this.driver.handle(name, { type: 'probe-reply', seq });
  }

  /** Whether `ip` is a current peer's mesh address (the probe channel answers only those). */
  isPeerIp(ip: string): boolean {
    return this.byMeshIp.has(ip);
  }

  /** Stops every machine and timer; punches in flight end at their next step. */
  close(): void {
    this.closed = true;
    this.driver.close();
    for (const entry of this.peers.values()) {
      this.dropPunchSocket(entry);
      this.closeBridge(entry);
    }
  }

  private setMeshIp(entry: Peer, ip: string | undefined): void {
    if (entry.meshIp === ip) return;
    if (entry.meshIp) this.byMeshIp.delete(entry.meshIp);
    if (ip) this.byMeshIp.set(ip, entry.peer.name);
    entry.meshIp = ip;
  }

  private drop(name: string): void {
    const entry = this.peers.get(name);
    if (!entry) return;
    this.driver.remove(name);
    this.setMeshIp(entry, undefined);
    this.byKey.delete(entry.key.toBase64());
    this.peers.delete(name);
    this.punching.delete(name);
    this.dropPunchSocket(entry);
    this.closeBridge(entry);
    this.o.relay?.forget(entry.key.bytes());
  }

  /** This node's punch side, computed once per change of its facts. */
  private localSide(): PunchSide {
    const mesh = this.mesh;
    return (this.side ??= localPunchSide({ ...(this.local.report && { report: this.local.report }), ...(this.local.wgEndpoint && { wgEndpoint: this.local.wgEndpoint }), hostIps: this.local.hostIps, listenPort: mesh?.listenPort ?? 0 }));
  }

  /** The pair matrix for one peer, from the best knowledge of its side (its last offer/answer, else its WireKubePeer). */
  private pairOf(entry: Peer) {
    const mesh = this.mesh!;
    return decidePair({
      local: this.localSide(),
      remote: entry.told ?? punchSideOfPeer(entry.peer),
      localSubnets: this.local.localSubnets,
      relayMode: mesh.relay.mode,
      meshBirthday: mesh.birthdayAttack,
      ...(this.local.birthday !== undefined && { localBirthday: this.local.birthday }),
      ...(entry.peer.birthdayAttack !== undefined && { remoteBirthday: entry.peer.birthdayAttack }),
      rng: this.o.rng,
    });
  }

  /** Re-sends the pair decision to the machine when its mode or reason changed. */
  private decide(name: string): void {
    const entry = this.peers.get(name);
    if (!entry || !this.mesh) return;
    const from = entry.decidedFrom;
    if (from && from.peer === entry.peer && from.told === entry.told && from.context === this.context) return;
    entry.decidedFrom = { peer: entry.peer, told: entry.told, context: this.context };
    const d = this.pairOf(entry);
    // Deciding before both NAT reports are known would punch on guesses and publish a reason that
    // names a NAT "unknown"; the peer's report comes from its WireKubePeer or its punch messages.
    const waiting = !this.local.report ? "this node's NAT report" : !entry.told && entry.peer.natType === 'unknown' ? "the peer's NAT report" : undefined;
    const pair = waiting ? { mode: 'relay' as const, reason: `waiting for ${waiting} before trying a direct path` } : { mode: d.mode, reason: d.reason };
    const key = `${pair.mode}|${pair.reason}|${this.mesh.relay.mode}`;
    if (entry.pairKey === key) return;
    entry.pairKey = key;
    this.driver.handle(name, { type: 'pair', pair, relayMode: this.mesh.relay.mode });
  }

  private changed(name: string, actions: readonly PathAction[], path: PathState, state: PeerPathState): void {
    const entry = this.peers.get(name);
    if (!entry) return;
    let replan = false;
    for (const a of actions) {
      switch (a.type) {
        case 'set-endpoint':
          this.forced.add(entry.key.toBase64());
          replan = true;
          break;
        case 'send-probe':
          if (entry.meshIp) this.o.sendProbe(entry.meshIp, a.seq);
          break;
        case 'request-punch':
          void this.request(entry, a.punchId, a.mode);
          break;
        case 'answer-punch':
          void this.answer(entry, a.punchId, a.accept, a.reason);
          break;
      }
    }
    if (entry.bridge && !(path.kind === 'direct' && path.endpoint.port === entry.bridge.endpoint.port && path.endpoint.host === entry.bridge.endpoint.host)) this.closeBridge(entry);
    if ((entry.phase === 'direct' || entry.phase === 'suspect') && (state.phase === 'relay' || state.phase === 'down')) this.counters.failovers++;
    entry.phase = state.phase;
    if (!samePath(path, entry.published)) {
      entry.published = path;
      replan = true;
      this.o.logger.info('path changed', { peer: name, path: path.kind, phase: state.phase, reason: path.reason, ...(path.kind !== 'down' && { endpoint: formatHostPort(path.endpoint) }) });
    }
    if (replan) this.o.onPathChange();
  }

  /**
   * When the reports alone say "relay" (UDP blocked, symmetric NATs), the initiator still
   * exchanges candidates once through the relay: host candidates may reveal a shared LAN, which
   * the pair matrix then punches directly.
   */
  private exchange(entry: Peer): void {
    const state = this.driver.state(entry.peer.name);
    if (entry.told && entry.peer.natType !== 'unknown' && entry.told.nat.type !== entry.peer.natType) {
      // The peer's NAT changed since it told us its side: what it told is stale.
      delete entry.told;
      delete entry.exchangeId;
    }
    if (entry.exchangeId || entry.told || !this.local.report || !state?.initiator || state.pair.mode !== 'relay' || this.mesh?.relay.mode === 'always') return;
    entry.exchangeId = `candidates-${this.o.clock.now()}`;
    const side = this.localSide();
    try {
      this.o.relay?.requestPunch(entry.key.bytes(), { punchId: entry.exchangeId, candidates: toWireCandidates(side.candidates), nat: wireNatReport(this.local.report, this.local.wgEndpoint), mode: 'candidates' });
    } catch (err) {
      this.o.logger.debug('candidate exchange not sent; retried on the next sync', { peer: entry.peer.name, err: errorMessage(err) });
      delete entry.exchangeId;
    }
  }

  private async request(entry: Peer, punchId: string, mode: 'direct' | 'birthday'): Promise<void> {
    const name = entry.peer.name;
    try {
      if (!this.o.relay) throw new Error('no relay control channel to coordinate through');
      const candidates = await this.candidatesFor(entry, punchId, mode);
      this.o.relay.requestPunch(entry.key.bytes(), { punchId, candidates, ...(this.local.report && { nat: wireNatReport(this.local.report, this.local.wgEndpoint) }), mode });
      this.o.logger.info('asked the peer to punch', { peer: name, punchId, mode, candidates: candidates.length });
    } catch (err) {
      this.dropPunchSocket(entry);
      this.driver.handle(name, { type: 'punch-result', punchId, reason: `punch request not delivered: ${errorMessage(err)}` });
    }
  }

  /** The candidates for a punch; keeps the birthday punch socket the cone side sprays from. */
  private async candidatesFor(entry: Peer, punchId: string, mode: 'direct' | 'birthday') {
    this.dropPunchSocket(entry);
    const c = await punchCandidates({ mode, plan: this.pairOf(entry).plan, local: this.local, mesh: this.mesh!, clock: this.o.clock, rng: this.o.rng, logger: this.o.logger });
    if (c.socket) entry.punchSocket = { id: punchId, ...c.socket };
    return c.candidates;
  }

  private dropPunchSocket(entry: Peer): void {
    void entry.punchSocket?.port.close();
    delete entry.punchSocket;
  }

  private closeBridge(entry: Peer): void {
    const bridge = entry.bridge;
    delete entry.bridge;
    if (!bridge) return;
    this.o.logger.info('closing the birthday bridge', { peer: entry.peer.name, endpoint: formatHostPort(bridge.endpoint) });
    void bridge.close();
  }

  private offered(p: IncomingPunch): void {
    const name = this.byKey.get(Buffer.from(p.offer.from).toString('base64'));
    const entry = name ? this.peers.get(name) : undefined;
    if (!name || !entry) {
      p.answer({ accept: false, candidates: [], reason: 'this node does not know the requesting peer (yet)' });
      return;
    }
    const told = remotePunchSide(p.offer.nat, p.offer.candidates);
    if (told) entry.told = told;
    this.decide(name);
    if (p.offer.mode === 'candidates') {
      const side = this.localSide();
      p.answer({ accept: false, candidates: toWireCandidates(side.candidates), ...(this.local.report && { nat: wireNatReport(this.local.report, this.local.wgEndpoint) }), reason: 'candidates exchanged' });
      return;
    }
    const id = `${name}/${p.offer.punchId}`;
    this.offers.set(id, p);
    this.driver.handle(name, { type: 'punch-offer', punchId: p.offer.punchId });
    // The answer may wait for a punch socket; the offer is kept only that long.
    this.o.clock.setTimeout(() => this.offers.delete(id), 5000);
  }

  private async answer(entry: Peer, punchId: string, accept: boolean, reason: string): Promise<void> {
    const name = entry.peer.name;
    const offer = this.offers.get(`${name}/${punchId}`);
    if (!offer) return;
    const mode = offer.offer.mode === 'birthday' ? 'birthday' : 'direct';
    let candidates;
    try {
      candidates = accept ? await this.candidatesFor(entry, punchId, mode) : toWireCandidates(this.localSide().candidates);
    } catch (err) {
      offer.answer({ accept: false, candidates: [], reason: `cannot take part: ${errorMessage(err)}` });
      this.driver.handle(name, { type: 'punch-result', punchId, reason: `punch not started: ${errorMessage(err)}` });
      return;
    }
    offer.answer({ accept, candidates, ...(this.local.report && { nat: wireNatReport(this.local.report, this.local.wgEndpoint) }), reason });
    if (accept) void this.execute(entry, punchId, Number(offer.offer.startAtMs));
  }

  private answered(a: PunchAnswer): void {
    const name = this.byKey.get(Buffer.from(a.peer).toString('base64'));
    const entry = name ? this.peers.get(name) : undefined;
    if (!name || !entry) return;
    if (a.punchId === entry.exchangeId) {
      const told = remotePunchSide(a.nat, a.candidates);
      // A peer without a NAT report yet (or gone from the relay) told nothing: ask again on a later sync.
      if (told) entry.told = told;
      else delete entry.exchangeId;
      this.decide(name);
      return;
    }
    if (!a.accept) {
      this.driver.handle(name, { type: 'punch-result', punchId: a.punchId, reason: `the peer declined: ${a.reason || 'no reason given'}` });
      return;
    }
    const told = remotePunchSide(a.nat, a.candidates);
    if (told) entry.told = told;
    this.decide(name);
    void this.execute(entry, a.punchId, Number(a.startAtMs));
  }

  /**
   * A birthday attack (DESIGN §5): the symmetric side sprays from many sockets at the cone side's
   * punch socket, the cone side sprays predicted ports from that socket, both bounded in rate and
   * time by the plan. The winning socket is bridged to WireGuard ({@link WgBridge}), and the
   * bridge's loopback endpoint is what the path machine verifies and publishes.
   */
  private async executeBirthday(entry: Peer, punchId: string, startAtMs: number, plan: BirthdayPlan): Promise<void> {
    const name = entry.peer.name;
    const socket = entry.punchSocket?.id === punchId ? entry.punchSocket.port : undefined;
    delete entry.punchSocket;
    this.punching.set(name, punchId);
    const outcome = await runBirthday({ plan, token: birthdayToken(punchId, entry.key.toBase64(), this.o.publicKey), ...(socket && { socket }), startAtMs, wgPort: this.mesh?.listenPort ?? 0, clock: this.o.clock, logger: this.o.logger });
    if ('bridge' in outcome) {
      this.closeBridge(entry);
      entry.bridge = outcome.bridge;
      this.o.logger.info('birthday attack won; WireGuard bridged through the punched socket', { peer: name, remote: outcome.remote, probes: outcome.sent, ms: outcome.ms, bridge: formatHostPort(outcome.bridge.endpoint) });
    }
    if (this.closed || this.punching.get(name) !== punchId || this.peers.get(name) !== entry) {
      this.closeBridge(entry);
      return;
    }
    this.punching.delete(name);
    const result = 'bridge' in outcome ? { endpoint: outcome.bridge.endpoint } : outcome;
    this.counters.punches.birthday['endpoint' in result ? 'won' : 'failed']++;
    this.driver.handle(name, { type: 'punch-result', punchId, ...result });
  }

  /** Punches with the WireGuard port at the common start and reports the result to the machine. */
  private async execute(entry: Peer, punchId: string, startAtMs: number): Promise<void> {
    const name = entry.peer.name;
    const d = this.pairOf(entry);
    if (d.plan.kind === 'birthday') return this.executeBirthday(entry, punchId, startAtMs, d.plan);
    if (d.plan.kind !== 'direct') {
      this.driver.handle(name, { type: 'punch-result', punchId, reason: `the pair matrix now says ${d.mode}: ${d.reason}` });
      return;
    }
    const planned = d.plan.targets.map((t) => ({ host: t.ip, port: t.port }));
    const last = entry.lastPunched;
    const targets = last ? [last, ...planned.filter((t) => t.host !== last.host || t.port !== last.port)] : planned;
    this.punching.set(name, punchId);
    const alive = () => !this.closed && this.punching.get(name) === punchId && this.peers.get(name) === entry;
    let result: { endpoint: HostPort } | { reason: string };
    try {
      result = await punchWithWireGuard({
        targets,
        startAtMs,
        ...this.punch,
        clock: this.o.clock,
        cancelled: () => !alive(),
        port: {
          point: async (e) => {
            await this.o.device()?.pointPeer(entry.key, formatHostPort(e));
          },
          read: async () => {
            const s = (await this.o.device()?.stats())?.find((x) => x.publicKey === entry.key.toBase64());
            return s && { ...(s.endpoint && { endpoint: s.endpoint }), rxBytes: s.rxBytes };
          },
          nudge: () => entry.meshIp && this.o.sendProbe(entry.meshIp, 0),
        },
      });
    } catch (err) {
      result = { reason: `punch failed: ${errorMessage(err)}` };
    }
    if (!alive()) return;
    this.punching.delete(name);
    this.counters.punches.direct['endpoint' in result ? 'won' : 'failed']++;
    if ('endpoint' in result) entry.lastPunched = result.endpoint;
    this.o.logger.info('punch finished', { peer: name, punchId, ...('endpoint' in result ? { endpoint: formatHostPort(result.endpoint) } : { reason: result.reason }) });
    this.driver.handle(name, { type: 'punch-result', punchId, ...result });
  }
}
