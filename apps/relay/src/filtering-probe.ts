import type { Socket as UdpSocket } from 'node:dgram';
import { status, type ServiceError } from '@grpc/grpc-js';
import type { Endpoint, FilteringProbeRequest, FilteringProbeResponse } from '@wirekube/proto';
import type { Clock } from '@wirekube/util';
import type { PeerEntry, SessionTable } from './session-table';
import { TokenBucket } from './token-bucket';

/** Prefix of every probe datagram; the requester's nonce follows. */
export const PROBE_MAGIC = Buffer.from('WKPROBE1', 'ascii');
/** Longest nonce echoed in a probe, so a probe is never larger than the request that caused it. */
export const MAX_PROBE_NONCE = 64;

/** The UDP sockets probes leave from. */
export interface ProbeSockets {
  /** A port different from every port agents talk to (the "alternate port"). */
  altPort: UdpSocket;
  /** A socket on a second IP address, when the replica has one. */
  altIp?: UdpSocket;
}

/**
 * Serves FilteringProbe: sends one small UDP datagram (magic + nonce) from an alternate port or
 * address, only ever to the requester's own observed IP (the address its control session comes
 * from) — so the relay cannot be aimed at a third party — and at most a few per second per session.
 * Returns a gRPC error (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
 * FAILED_PRECONDITION) instead of sending when any rule is broken.
 */
export class FilteringProber {
  private readonly buckets = new WeakMap<PeerEntry, TokenBucket>();

  constructor(
    private readonly table: SessionTable,
    private readonly sockets: ProbeSockets | undefined,
    private readonly clock: Clock,
    private readonly perSecond: number,
  ) {}

  /** Validates and sends one probe. */
  async probe(req: FilteringProbeRequest): Promise<FilteringProbeResponse> {
    const entry = this.table.byToken(Buffer.from(req.token));
    if (!entry) throw grpcError(status.UNAUTHENTICATED, 'token does not belong to a live session');
    const t = req.target;
    if (!t || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw grpcError(status.INVALID_ARGUMENT, 'target must be ip:port with port 1..65535');
    if (normalizeIp(t.ip) !== normalizeIp(entry.observedIp)) {
      throw grpcError(status.PERMISSION_DENIED, `probes go only to the session's own address ${entry.observedIp}`);
    }
    if (req.nonce.length > MAX_PROBE_NONCE) throw grpcError(status.INVALID_ARGUMENT, `nonce longer than ${MAX_PROBE_NONCE} bytes`);
    if (!this.sockets) throw grpcError(status.FAILED_PRECONDITION, 'this replica has no probe socket configured');
    const sock = req.changeIp ? this.sockets.altIp : this.sockets.altPort;
    if (!sock) throw grpcError(status.FAILED_PRECONDITION, 'this replica has no alternate IP address');
    let bucket = this.buckets.get(entry);
    if (!bucket) this.buckets.set(entry, (bucket = new TokenBucket(this.clock, this.perSecond, this.perSecond)));
    if (!bucket.take()) throw grpcError(status.RESOURCE_EXHAUSTED, 'too many probes');
    await new Promise<void>((resolve, reject) =>
      sock.send(Buffer.concat([PROBE_MAGIC, req.nonce]), t.port, t.ip, (err) => (err ? reject(grpcError(status.UNAVAILABLE, err.message)) : resolve())),
    );
    const a = sock.address();
    const sentFrom: Endpoint = { ip: a.address, port: a.port };
    return { sentFrom };
  }
}

function normalizeIp(ip: string): string {
  return ip.replace(/^::ffff:/, '').toLowerCase();
}

function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: undefined as never });
}
