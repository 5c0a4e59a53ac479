import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { errorMessage, type Logger } from '@wirekube/util';

/**
 * Active path probes, sent through the tunnel (DESIGN §5, failover). A probe is a small UDP
 * datagram from this node's mesh address to the peer agent's probe port on the peer's mesh
 * address, so it travels over whatever endpoint WireGuard uses for that peer right now — exactly
 * the path being judged. The peer echoes it back.
 *
 * Wire format (16 bytes, big endian): `"WKP1"` | kind (1 = request, 2 = reply) | 3 zero bytes |
 * nonce (4, this agent run's random tag, echoed) | seq (4). Anything else is counted and dropped.
 * Only datagrams from mesh addresses of known peers are answered (no reflection off the mesh).
 */
export const PROBE_MAGIC = 'WKP1';
const PROBE_BYTES = 16;
const KIND_REQUEST = 1;
const KIND_REPLY = 2;

/** A decoded probe datagram. */
export interface ProbePacket {
  kind: 'request' | 'reply';
  nonce: number;
  seq: number;
}

/** Encodes a probe datagram. Pure. */
export function encodeProbePacket(p: ProbePacket): Buffer {
  const b = Buffer.alloc(PROBE_BYTES);
  b.write(PROBE_MAGIC, 0, 'latin1');
  b[4] = p.kind === 'request' ? KIND_REQUEST : KIND_REPLY;
  b.writeUInt32BE(p.nonce >>> 0, 8);
  b.writeUInt32BE(p.seq >>> 0, 12);
  return b;
}

/** Decodes a probe datagram, or says precisely why it is not one. Pure. */
export function decodeProbePacket(b: Buffer): { ok: true; packet: ProbePacket } | { ok: false; reason: string } {
  if (b.length !== PROBE_BYTES) return { ok: false, reason: `probe must be ${PROBE_BYTES} bytes, got ${b.length}` };
  if (b.toString('latin1', 0, 4) !== PROBE_MAGIC) return { ok: false, reason: 'bad magic' };
  const kind = b[4] === KIND_REQUEST ? 'request' : b[4] === KIND_REPLY ? 'reply' : undefined;
  if (!kind) return { ok: false, reason: `unknown probe kind ${b[4]}` };
  return { ok: true, packet: { kind, nonce: b.readUInt32BE(8), seq: b.readUInt32BE(12) } };
}

/** Options of {@link ProbeChannel}. */
export interface ProbeChannelOptions {
  port: number;
  /** Whether a source address is a known peer's mesh address (only those are answered or believed). */
  isPeer(ip: string): boolean;
  /** A reply from `ip` to our probe `seq`. */
  onReply(ip: string, seq: number): void;
  logger: Logger;
}

/**
 * The probe socket, bound to this node's mesh address (re-bound when it changes). Requests from
 * known peers are echoed; replies carrying this run's nonce are reported.
 */
export class ProbeChannel {
  private socket?: Socket;
  private boundIp?: string;
  private readonly nonce = randomBytes(4).readUInt32BE(0);
  /** Datagrams dropped: not a probe, a stranger, or another run's reply. */
  dropped = 0;

  constructor(private readonly o: ProbeChannelOptions) {}

  /** Binds to `meshIp` (idempotent; re-binds after an address change). Resolves once listening. */
  async bind(meshIp: string): Promise<void> {
    if (this.boundIp === meshIp && this.socket) return;
    this.close();
    const socket = createSocket({ type: meshIp.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => this.o.logger.warn('probe socket error', { err: errorMessage(err) }));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: meshIp, port: this.o.port, exclusive: true }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      socket.close();
      throw err;
    }
    this.socket = socket;
    this.boundIp = meshIp;
  }

  /** Sends probe `seq` to the peer agent at `ip` (its mesh address); false when not bound yet. */
  send(ip: string, seq: number): boolean {
    if (!this.socket) return false;
    this.socket.send(encodeProbePacket({ kind: 'request', nonce: this.nonce, seq }), this.o.port, ip, (err) => {
      // EPERM/ENOKEY-style errors while routes or peers are being changed: the probe is lost, which is what it measures.
      if (err) this.o.logger.debug('probe send failed', { ip, err: errorMessage(err) });
    });
    return true;
  }

  private receive(msg: Buffer, ip: string, port: number): void {
    const d = decodeProbePacket(msg);
    if (!d.ok || !this.o.isPeer(ip)) {
      this.dropped++;
      return;
    }
    const p = d.packet;
    if (p.kind === 'request') {
      this.socket?.send(encodeProbePacket({ kind: 'reply', nonce: p.nonce, seq: p.seq }), port, ip);
      return;
    }
    if (p.nonce !== this.nonce) {
      this.dropped++;
      return;
    }
    this.o.onReply(ip, p.seq);
  }

  /** Closes the socket. */
  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.boundIp = undefined;
  }
}
