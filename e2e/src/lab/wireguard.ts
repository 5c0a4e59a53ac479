import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WireKubeError } from '@wirekube/util';
import type { LabHost } from './host';
import type { LabProcess } from './process';
import { run } from './sh';

/** A WireGuard key pair, base64 (as `wg` prints them). */
export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Generates an X25519 key pair with Node's crypto (same keys `wg genkey | wg pubkey` would give). */
export function generateWgKeyPair(): WgKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const b64 = (u: string | undefined) => Buffer.from(u!, 'base64url').toString('base64');
  return { privateKey: b64(privateKey.export({ format: 'jwk' }).d), publicKey: b64(publicKey.export({ format: 'jwk' }).x) };
}

/** Base64 key → lowercase hex, as the UAPI protocol wants keys. */
export function keyToHex(b64: string): string {
  return Buffer.from(b64, 'base64').toString('hex');
}

/** Thrown when the UAPI socket answers with a non-zero errno or cannot be reached. */
export class UapiError extends WireKubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LAB_UAPI', message, options);
  }
}

/**
 * Sends one UAPI request (`get=1\n\n` or `set=1\n…\n\n`) to a wireguard-go socket and returns the
 * response body without the trailing `errno=0`. Rejects with {@link UapiError} on errno ≠ 0.
 */
export function uapiRequest(socketPath: string, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => sock.destroy(new UapiError(`UAPI ${socketPath}: no answer within ${timeoutMs} ms`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(request.endsWith('\n\n') ? request : `${request.replace(/\n*$/, '')}\n\n`));
    sock.on('data', (d: string) => {
      buf += d;
      if (!buf.endsWith('\n\n')) return;
      clearTimeout(timer);
      sock.end();
      const m = /(?:^|\n)errno=(-?\d+)\n\n$/.exec(buf);
      if (!m) return reject(new UapiError(`UAPI ${socketPath}: malformed answer ${JSON.stringify(buf.slice(0, 200))}`));
      if (m[1] !== '0') return reject(new UapiError(`UAPI ${socketPath}: errno=${m[1]} for request ${JSON.stringify(request.slice(0, 200))}`));
      resolve(buf.slice(0, m.index + (buf[m.index] === '\n' ? 1 : 0)));
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof UapiError ? err : new UapiError(`UAPI ${socketPath}: ${err.message}`, { cause: err }));
    });
  });
}

/** How long wireguard-go may take to start listening on its UAPI socket (generous: loaded CI). */
const START_TIMEOUT_MS = 10_000;

/** True for a connection refused or not found: the UAPI listener is not up (yet). */
function isRefused(err: unknown): boolean {
  const code = err instanceof UapiError ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
  return code === 'ECONNREFUSED' || code === 'ENOENT';
}

/** A peer as configured through {@link LabWireguard.configure}. */
export interface WgPeerConfig {
  publicKey: string;
  /** `ip:port`; omit to let the peer's first authenticated packet set it (roaming). */
  endpoint?: string;
  allowedIps: readonly string[];
  /** Seconds; 0 or omitted disables keepalives. */
  persistentKeepalive?: number;
}

/** Per-peer state read back over UAPI. */
export interface WgPeerState {
  publicKey: string;
  endpoint?: string;
  /** Unix seconds of the last handshake; 0 if none yet. */
  lastHandshakeSec: number;
  rxBytes: number;
  txBytes: number;
}

/** Options for {@link startWireguard}. */
export interface StartWireguardOptions {
  /** Interface name inside the host; default `wg0`. */
  iface?: string;
  /** Address with prefix to put on the interface, e.g. `10.99.0.1/24`. */
  address?: string;
  /** UDP listen port; default 51820. */
  listenPort?: number;
  /** Default: a fresh key pair. */
  keys?: WgKeyPair;
}

/** A wireguard-go instance in a lab host, configured over its UAPI socket (no `wg` needed). */
export class LabWireguard {
  constructor(
    readonly host: LabHost,
    readonly iface: string,
    readonly proc: LabProcess,
    readonly keys: WgKeyPair,
    readonly listenPort: number,
  ) {}

  /** UAPI socket path, reachable from the test process. */
  get socketPath(): string {
    return this.host.wgSocket(this.iface);
  }

  /** Raw UAPI request; see {@link uapiRequest}. */
  uapi(request: string): Promise<string> {
    return uapiRequest(this.socketPath, request);
  }

  /** Replaces the peer set (`replace_peers=true`) with `peers`. */
  async configure(peers: readonly WgPeerConfig[]): Promise<void> {
    const lines = ['set=1', 'replace_peers=true'];
    for (const p of peers) {
      lines.push(`public_key=${keyToHex(p.publicKey)}`);
      if (p.endpoint) lines.push(`endpoint=${p.endpoint}`);
      if (p.persistentKeepalive) lines.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
      lines.push('replace_allowed_ips=true', ...p.allowedIps.map((a) => `allowed_ip=${a}`));
    }
    await this.uapi(lines.join('\n') + '\n\n');
  }

  /** Current peers as wireguard-go reports them. */
  async peers(): Promise<WgPeerState[]> {
    const out: WgPeerState[] = [];
    for (const line of (await this.uapi('get=1\n\n')).split('\n')) {
      const eq = line.indexOf('=');
      const [k, v] = [line.slice(0, eq), line.slice(eq + 1)];
      if (k === 'public_key') out.push({ publicKey: Buffer.from(v, 'hex').toString('base64'), lastHandshakeSec: 0, rxBytes: 0, txBytes: 0 });
      const cur = out[out.length - 1];
      if (!cur) continue;
      if (k === 'endpoint') cur.endpoint = v;
      else if (k === 'last_handshake_time_sec') cur.lastHandshakeSec = Number(v);
      else if (k === 'rx_bytes') cur.rxBytes = Number(v);
      else if (k === 'tx_bytes') cur.txBytes = Number(v);
    }
    return out;
  }

  /** Stops wireguard-go (it removes its interface and socket on SIGTERM). */
  async stop(): Promise<void> {
    await this.proc.stop();
  }
}

/**
 * Starts wireguard-go in the foreground (`WG_PROCESS_FOREGROUND=1`, so the lab owns its PID) inside
 * `host`, waits for its UAPI socket in the host's private /run/wireguard, sets key and port, and
 * brings the interface up with `address`. Resolves with a handle; the process is supervised by the lab.
 */
export async function startWireguard(host: LabHost, opts: StartWireguardOptions = {}): Promise<LabWireguard> {
  const iface = opts.iface ?? 'wg0';
  const keys = opts.keys ?? generateWgKeyPair();
  const listenPort = opts.listenPort ?? 51820;
  const proc = host.spawn(['wireguard-go', iface], {
    name: `wireguard-go-${iface}`,
    env: { WG_PROCESS_FOREGROUND: '1', LOG_LEVEL: 'verbose' },
  });
  const wg = new LabWireguard(host, iface, proc, keys, listenPort);
  // The socket file appears at bind(), a moment before listen(): until then connect() is refused.
  // So wait for the file, then retry the first request while it is refused.
  const deadline = Date.now() + START_TIMEOUT_MS;
  const setup = `set=1\nprivate_key=${keyToHex(keys.privateKey)}\nlisten_port=${listenPort}\n\n`;
  for (;;) {
    if (existsSync(wg.socketPath)) {
      try {
        await wg.uapi(setup);
        break;
      } catch (err) {
        if (!isRefused(err)) {
          await proc.stop();
          throw err;
        }
      }
    }
    if (!proc.running || Date.now() > deadline) {
      await proc.stop();
      throw new UapiError(`wireguard-go ${host.name}/${iface}: UAPI socket ${wg.socketPath} not accepting within ${START_TIMEOUT_MS} ms\n${proc.tail(20)}`);
    }
    await sleep(10);
  }
  const ip = ['ip', '-n', host.netns];
  if (opts.address) await run([...ip, 'addr', 'add', opts.address, 'dev', iface]);
  await run([...ip, 'link', 'set', iface, 'up']);
  return wg;
}
