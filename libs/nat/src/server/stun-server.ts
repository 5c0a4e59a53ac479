import type { Logger } from '@wirekube/util';
import { errorMessage, nullLogger } from '@wirekube/util';
import { formatAddress, type TransportAddress } from '../net/address';
import type { UdpPort } from '../net/udp-port';
import type { StunAttribute } from '../stun/attributes';
import { BINDING_METHOD, ERROR_REASONS, isComprehensionRequired, StunClass } from '../stun/constants';
import { NotStunError } from '../stun/errors';
import { decodeStun, encodeStun, findAttribute, isModern, type StunMessage } from '../stun/message';

/**
 * The server's sockets as a 2×2 grid: two IPs × two ports (RFC 5780 §4). `primary` is (A, P);
 * `altPort` (A, P'); `altIp` (B, P); `altBoth` (B, P'). Only `primary` is required: with it
 * alone the server is a plain RFC 8489 server and refuses CHANGE-REQUEST with 420.
 */
export interface StunServerSockets {
  primary: UdpPort;
  altPort?: UdpPort;
  altIp?: UdpPort;
  altBoth?: UdpPort;
}

/** Options of {@link StunServer}. */
export interface StunServerOptions {
  sockets: StunServerSockets;
  /**
   * Addresses to advertise (RESPONSE-ORIGIN, OTHER-ADDRESS) when a socket's bound address is
   * not what clients reach, e.g. a wildcard bind. Keyed like `sockets`.
   */
  advertise?: Partial<Record<keyof StunServerSockets, TransportAddress>>;
  /** SOFTWARE attribute of responses; empty to omit. */
  software?: string;
  logger?: Logger;
}

/** Counters since start; read them for metrics. */
export interface StunServerStats {
  requests: number;
  /** Success responses sent. */
  responses: number;
  /** Error responses sent (400, 420). */
  errorResponses: number;
  /** Datagrams that were STUN but malformed. */
  malformed: number;
  /** Datagrams that were not STUN at all. */
  notStun: number;
  /** STUN messages that are not requests (indications, stray responses): dropped. */
  ignored: number;
  sendFailures: number;
}

type Slot = keyof StunServerSockets;
const GRID: Record<Slot, [number, number]> = { primary: [0, 0], altPort: [0, 1], altIp: [1, 0], altBoth: [1, 1] };
const slotAt = (ip: number, port: number) => (Object.keys(GRID) as Slot[]).find((s) => GRID[s][0] === ip && GRID[s][1] === port)!;

/**
 * A STUN server answering Binding requests on up to four sockets. Modern clients get
 * XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS and FINGERPRINT; classic RFC
 * 3489 clients (no magic cookie) get MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS. A
 * CHANGE-REQUEST is answered from the socket with the other IP and/or port. Malformed datagrams
 * are counted and dropped. Embeddable: it owns no sockets, {@link StunServer.stop} only detaches.
 */
export class StunServer {
  readonly stats: StunServerStats = { requests: 0, responses: 0, errorResponses: 0, malformed: 0, notStun: 0, ignored: 0, sendFailures: 0 };
  private readonly detach: (() => void)[] = [];
  private readonly log: Logger;

  constructor(private readonly opts: StunServerOptions) {
    this.log = opts.logger ?? nullLogger;
  }

  /** Starts answering on every socket. Idempotent. */
  start(): void {
    if (this.detach.length) return;
    for (const slot of Object.keys(GRID) as Slot[]) {
      const port = this.opts.sockets[slot];
      if (port) this.detach.push(port.onMessage((data, from) => this.handle(slot, data, from)));
    }
  }

  /** Stops answering; the sockets stay open and belong to the caller. */
  stop(): void {
    for (const d of this.detach.splice(0)) d();
  }

  /** The advertised address of one socket. */
  address(slot: Slot): TransportAddress | undefined {
    return this.opts.advertise?.[slot] ?? this.opts.sockets[slot]?.local;
  }

  /** True when all four sockets exist, i.e. OTHER-ADDRESS and CHANGE-REQUEST are offered. */
  get fullGrid(): boolean {
    const s = this.opts.sockets;
    return !!(s.altPort && s.altIp && s.altBoth);
  }

  /** Handles one datagram that arrived on `slot`. Never throws. */
  handle(slot: Slot, data: Buffer, from: TransportAddress): void {
    let req: StunMessage;
    try {
      req = decodeStun(data);
    } catch (err) {
      if (err instanceof NotStunError) this.stats.notStun++;
      else this.stats.malformed++;
      this.log.debug('dropped datagram', { from: formatAddress(from), error: errorMessage(err) });
      return;
    }
    if (req.cls !== StunClass.Request) {
      this.stats.ignored++;
      return;
    }
    this.stats.requests++;
    const { reply, sendFrom, to } = this.answer(slot, req, from);
    let bytes: Buffer;
    try {
      bytes = encodeStun(reply, { fingerprint: isModern(req) });
    } catch (err) {
      // Only a source address the codec cannot express gets here; drop it, never crash.
      this.stats.sendFailures++;
      this.log.warn('cannot encode response', { from: formatAddress(from), error: errorMessage(err) });
      return;
    }
    if (reply.cls === StunClass.ErrorResponse) this.stats.errorResponses++;
    else this.stats.responses++;
    this.opts.sockets[sendFrom]!.send(bytes, to).catch((err) => {
      this.stats.sendFailures++;
      this.log.debug('send failed', { to: formatAddress(to), error: errorMessage(err) });
    });
  }

  private answer(slot: Slot, req: StunMessage, from: TransportAddress): { reply: StunMessage; sendFrom: Slot; to: TransportAddress } {
    const error = (code: number, reason: string, extra: StunAttribute[] = []) => ({
      reply: { ...req, cls: StunClass.ErrorResponse, attributes: [{ kind: 'error-code' as const, code, reason }, ...extra, ...this.software()] },
      sendFrom: slot,
      to: from,
    });
    if (req.method !== BINDING_METHOD) return error(400, `${ERROR_REASONS[400]}: method 0x${req.method.toString(16)} not supported`);
    const unknown = req.attributes.flatMap((a) => (a.kind === 'other' && isComprehensionRequired(a.type) ? [a.type] : []));
    if (unknown.length) return error(420, ERROR_REASONS[420]!, [{ kind: 'unknown-attributes', types: unknown }]);

    const change = findAttribute(req, 'change-request');
    const [ipIdx, portIdx] = GRID[slot];
    const sendFrom = slotAt(ipIdx ^ (change?.changeIp ? 1 : 0), portIdx ^ (change?.changePort ? 1 : 0));
    if (!this.opts.sockets[sendFrom]) {
      // RFC 5780 §6.1: a server without the alternate address/port must reject CHANGE-REQUEST.
      return error(420, ERROR_REASONS[420]!, [{ kind: 'unknown-attributes', types: [0x0003] }]);
    }
    // Responses go back to the request's source. RESPONSE-PORT (RFC 5780) and the classic
    // RESPONSE-ADDRESS may redirect them, but only to the requester's own IP: anything else
    // would let the server reflect traffic at third parties.
    let to = from;
    const responsePort = findAttribute(req, 'response-port');
    if (responsePort) to = { ip: from.ip, port: responsePort.port };
    const responseAddress = findAttribute(req, 'response-address');
    if (responseAddress) {
      if (responseAddress.address.ip !== from.ip) return error(400, `${ERROR_REASONS[400]}: RESPONSE-ADDRESS must be the requester's own IP`);
      to = responseAddress.address;
    }

    // A wildcard-bound socket without an advertised address does not know its own address:
    // claiming 0.0.0.0 as RESPONSE-ORIGIN would mislead clients, so say nothing.
    const known = (a: TransportAddress | undefined) => (a && a.ip !== '0.0.0.0' && a.ip !== '::' ? a : undefined);
    const origin = known(this.address(sendFrom));
    const other = this.fullGrid ? known(this.address(slotAt(1 - ipIdx, 1 - portIdx))) : undefined;
    const attributes: StunAttribute[] = isModern(req)
      ? [
          { kind: 'xor-mapped-address', address: from },
          { kind: 'mapped-address', address: from },
          ...(origin ? [{ kind: 'response-origin' as const, address: origin }] : []),
          ...(other ? [{ kind: 'other-address' as const, address: other }] : []),
        ]
      : [
          { kind: 'mapped-address', address: from },
          ...(origin ? [{ kind: 'source-address' as const, address: origin }] : []),
          ...(other ? [{ kind: 'changed-address' as const, address: other }] : []),
        ];
    return { reply: { ...req, cls: StunClass.SuccessResponse, attributes: [...attributes, ...this.software()] }, sendFrom, to };
  }

  private software(): StunAttribute[] {
    return this.opts.software ? [{ kind: 'software', text: this.opts.software }] : [];
  }
}
