import { Metadata, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { GatewayRole, type Assignments, type GatewayAssignment, type GatewayControlServer, type HealthAck, type HealthReport, type WatchAssignmentsRequest } from '@wirekube/proto';
import { nullLogger, type Clock, type Logger } from '@wirekube/util';
import type { HealthEntry } from './core/model';
import type { NodeAssignment } from './core/plan';

const ROLE: Record<NodeAssignment['role'], GatewayRole> = {
  active: GatewayRole.GATEWAY_ROLE_ACTIVE,
  standby: GatewayRole.GATEWAY_ROLE_STANDBY,
  client: GatewayRole.GATEWAY_ROLE_CLIENT,
  excluded: GatewayRole.GATEWAY_ROLE_EXCLUDED,
};

/** Ends a server stream with a status (grpc-js sends the status of an emitted error and ends the call). */
function fail(call: ServerWritableStream<WatchAssignmentsRequest, Assignments>, code: GrpcStatus, details: string): void {
  call.emit('error', { code, details, metadata: new Metadata() });
}

/** Encodes one node's assignments for the wire. Pure. */
export function toWire(list: readonly NodeAssignment[]): GatewayAssignment[] {
  return list.map((a) => ({
    gateway: a.gateway,
    role: ROLE[a.role],
    routes: a.routes,
    snatEnabled: a.snat.enabled,
    snatSourceIp: a.snat.sourceIp ?? '',
    snatSources: a.snatSources,
    healthCheck: a.healthCheck && (a.role === 'active' || a.role === 'standby') ? { ...a.healthCheck } : undefined,
    activePeer: a.activePeer,
  }));
}

/**
 * The GatewayControl gRPC service: one assignment stream per node (the full set at once, then on
 * every change, with a revision that only grows) and health reports kept as the latest entry per
 * (gateway, node). It serves only while this replica leads; otherwise calls get UNAVAILABLE and
 * agents retry — readiness keeps followers out of the Service anyway.
 */
export class GatewayControlService {
  private readonly streams = new Map<string, Set<ServerWritableStream<WatchAssignmentsRequest, Assignments>>>();
  private readonly sent = new Map<string, string>();
  private current = new Map<string, GatewayAssignment[]>();
  private revision = 0;
  private leading = false;
  /** Health reports accepted and refused (unknown gateway, not a candidate, not leading). */
  readonly counters = { reportsAccepted: 0, reportsRejected: 0 };
  /** gateway → node → latest report. */
  readonly health = new Map<string, Map<string, HealthEntry>>();
  private readonly log: Logger;

  constructor(
    private readonly opts: { clock: Clock; logger?: Logger; onChange: () => void; candidatesOf: (gateway: string) => readonly string[] | undefined },
  ) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'gateway-control' });
  }

  /** The gRPC implementation to register with `GrpcServer.addService`. */
  readonly impl: GatewayControlServer = {
    watchAssignments: (call) => this.watch(call),
    reportHealth: (call, cb) => this.report(call, cb),
  };

  /** Nodes with an open stream. */
  connected(): Set<string> {
    return new Set([...this.streams].filter(([, s]) => s.size > 0).map(([n]) => n));
  }

  /** Starts or stops serving. Losing leadership ends every stream and forgets reports. */
  setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) return;
    for (const set of this.streams.values()) for (const s of set) fail(s, GrpcStatus.UNAVAILABLE, 'no longer the leader');
    this.streams.clear();
    this.health.clear();
    this.sent.clear();
  }

  /** Publishes the assignments of every node; only nodes whose assignments changed are sent anything. */
  publish(assignments: ReadonlyMap<string, NodeAssignment[]>): void {
    const next = new Map<string, GatewayAssignment[]>();
    for (const [node, list] of assignments) next.set(node, toWire(list));
    this.current = next;
    for (const node of this.streams.keys()) this.push(node);
  }

  private push(node: string): void {
    const gateways = this.current.get(node) ?? [];
    const key = JSON.stringify(gateways);
    if (this.sent.get(node) === key) return;
    this.sent.set(node, key);
    const msg: Assignments = { revision: ++this.revision, gateways };
    for (const s of this.streams.get(node) ?? []) s.write(msg);
  }

  private watch(call: ServerWritableStream<WatchAssignmentsRequest, Assignments>): void {
    const node = call.request.nodeName;
    if (!this.leading) return fail(call, GrpcStatus.UNAVAILABLE, 'not the leader');
    if (!node) return fail(call, GrpcStatus.INVALID_ARGUMENT, 'nodeName is required');
    const set = this.streams.get(node) ?? new Set();
    set.add(call);
    this.streams.set(node, set);
    this.log.info('agent watching assignments', { node });
    const gateways = this.current.get(node) ?? [];
    this.sent.set(node, JSON.stringify(gateways));
    call.write({ revision: ++this.revision, gateways });
    const gone = () => {
      if (!set.delete(call)) return;
      this.log.info('agent stream closed', { node });
      this.opts.onChange();
    };
    call.on('cancelled', gone);
    call.on('close', gone);
    call.on('error', gone);
    this.opts.onChange();
  }

  private report(call: ServerUnaryCall<HealthReport, HealthAck>, cb: sendUnaryData<HealthAck>): void {
    const refuse = (code: GrpcStatus, details: string) => {
      this.counters.reportsRejected++;
      cb({ code, details });
    };
    if (!this.leading) return refuse(GrpcStatus.UNAVAILABLE, 'not the leader');
    const r = call.request;
    const candidates = this.opts.candidatesOf(r.gateway);
    if (!candidates) return refuse(GrpcStatus.NOT_FOUND, `no WireKubeGateway named ${JSON.stringify(r.gateway)}`);
    if (!candidates.includes(r.nodeName)) return refuse(GrpcStatus.FAILED_PRECONDITION, `${JSON.stringify(r.nodeName)} is not a candidate of gateway ${r.gateway}`);
    this.counters.reportsAccepted++;
    const byNode = this.health.get(r.gateway) ?? new Map<string, HealthEntry>();
    const prev = byNode.get(r.nodeName);
    byNode.set(r.nodeName, {
      healthy: r.healthy,
      consecutiveFailures: r.consecutiveFailures,
      detail: r.detail.slice(0, 200),
      latencyMs: r.latencyMs,
      probedAtMs: Number(r.probedAtMs),
      receivedAtMs: this.opts.clock.now(),
    });
    this.health.set(r.gateway, byNode);
    cb(null, { accepted: true });
    if (!prev || prev.healthy !== r.healthy || prev.consecutiveFailures !== r.consecutiveFailures) this.opts.onChange();
  }
}
