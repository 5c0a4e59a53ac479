import { createServer, type Server, type Socket } from 'node:net';
import type { DeviceState, DeviceUpdate, PeerUpdate } from '../config/model';
import { WgKey } from '../key/key';
import { FakeWireGuardBackend } from './fake-backend';

/**
 * An in-process UAPI server on a unix socket, backed by {@link FakeWireGuardBackend}: answers
 * `get=1` and `set=1` like wireguard-go (errno -22 for keys it does not know), serves several
 * requests per connection, and can split replies into tiny chunks, stall, or drop connections
 * so client edge cases are testable without wireguard-go.
 */
export class FakeUapiServer {
  readonly device = new FakeWireGuardBackend();
  /** Reply chunk size in bytes; small values exercise reassembly. */
  chunkBytes = 1 << 16;
  /** When true, requests are read but never answered. */
  stall = false;
  /** When true, the next request closes its connection unanswered (as a daemon restart does). */
  dropNextRequest = false;
  /** Number of connections accepted so far. */
  connections = 0;
  private server?: Server;
  private readonly open = new Set<Socket>();

  constructor(readonly path: string) {}

  async start(): Promise<void> {
    this.server = createServer((c) => this.serve(c));
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  /** Closes every client connection (the server keeps listening). */
  dropConnections(): void {
    for (const c of this.open) c.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(c: Socket): void {
    this.connections++;
    this.open.add(c);
    c.on('close', () => this.open.delete(c));
    c.on('error', () => undefined);
    let buf = '';
    c.on('data', async (d) => {
      buf += d.toString();
      for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (this.stall) continue;
        if (this.dropNextRequest) {
          this.dropNextRequest = false;
          c.destroy();
          return;
        }
        const reply = await this.handle(req);
        for (let i = 0; i < reply.length; i += this.chunkBytes) c.write(reply.slice(i, i + this.chunkBytes));
      }
    });
  }

  private async handle(req: string): Promise<string> {
    const [op, ...lines] = req.split('\n');
    if (op === 'get=1') return `${encodeGet(await this.device.get())}errno=0\n\n`;
    if (op !== 'set=1') return 'errno=-22\n\n';
    try {
      await this.device.set(decodeSet(lines));
      return 'errno=0\n\n';
    } catch {
      return 'errno=-22\n\n';
    }
  }
}

function encodeGet(s: DeviceState): string {
  const out: string[] = [];
  if (s.privateKey) out.push(`private_key=${s.privateKey.toHex()}`);
  out.push(`listen_port=${s.listenPort}`);
  if (s.fwmark) out.push(`fwmark=${s.fwmark}`);
  for (const p of s.peers) {
    out.push(`public_key=${p.publicKey.toHex()}`, `preshared_key=${(p.presharedKey?.toHex() ?? '0'.repeat(64))}`, 'protocol_version=1');
    if (p.endpoint) out.push(`endpoint=${p.endpoint}`);
    out.push(
      `last_handshake_time_sec=${Math.floor(p.lastHandshakeMs / 1000)}`,
      `last_handshake_time_nsec=${(p.lastHandshakeMs % 1000) * 1_000_000}`,
      `tx_bytes=${p.txBytes}`,
      `rx_bytes=${p.rxBytes}`,
      `persistent_keepalive_interval=${p.persistentKeepaliveSec}`,
      ...p.allowedIps.map((ip) => `allowed_ip=${ip}`),
    );
  }
  return `${out.join('\n')}\n`;
}

function decodeSet(lines: string[]): DeviceUpdate {
  const u: DeviceUpdate = { peers: [] };
  let peer: PeerUpdate | undefined;
  for (const line of lines) {
    const [k, v] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
    if (k === 'public_key') u.peers.push((peer = { publicKey: WgKey.fromHex(v) }));
    else if (!peer && k === 'private_key') u.privateKey = WgKey.fromHex(v);
    else if (!peer && k === 'listen_port') u.listenPort = Number(v);
    else if (!peer && k === 'fwmark') u.fwmark = Number(v);
    else if (peer && k === 'remove') peer.remove = true;
    else if (peer && k === 'update_only') peer.updateOnly = true;
    else if (peer && k === 'endpoint') peer.endpoint = v;
    else if (peer && k === 'preshared_key') peer.presharedKey = WgKey.fromHex(v);
    else if (peer && k === 'persistent_keepalive_interval') peer.persistentKeepaliveSec = Number(v);
    else if (peer && k === 'replace_allowed_ips') peer.replaceAllowedIps = true;
    else if (peer && k === 'allowed_ip') (peer.allowedIps ??= []).push(v);
    else throw new Error(`invalid UAPI key ${k}`);
  }
  return u;
}
