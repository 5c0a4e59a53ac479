import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '@wirekube/util';
import { systemClock } from '@wirekube/util';
import type { WireGuardBackend } from '../backend';
import { BackendError } from '../backend';
import type { DeviceState, DeviceUpdate } from '../config/model';
import { isEmptyUpdate } from '../config/model';
import { encodeUapiSet, parseUapiGet, splitUapiReply, UAPI_GET } from './codec';

/** Where wireguard-go and boringtun put their control sockets. */
export const UAPI_SOCKET_DIR = '/var/run/wireguard';

/** Options for {@link UapiBackend}. */
export interface UapiBackendOptions {
  iface: string;
  /** Directory holding `<iface>.sock`; default {@link UAPI_SOCKET_DIR}. */
  socketDir?: string;
  /** Per-request deadline in ms; default 5000. */
  timeoutMs?: number;
  clock?: Clock;
}

/** Path of an interface's UAPI socket. */
export function uapiSocketPath(iface: string, socketDir = UAPI_SOCKET_DIR): string {
  return join(socketDir, `${iface}.sock`);
}

/**
 * A {@link WireGuardBackend} over the UAPI unix socket of a userspace implementation. Keeps one
 * connection open (the protocol allows many requests per connection, which keeps a 1 Hz stats
 * poll to a single write and read) and reconnects after any error. Requests are serialised.
 */
export class UapiBackend implements WireGuardBackend {
  readonly kind = 'userspace' as const;
  readonly iface: string;
  /** The UAPI socket this backend talks to. */
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private conn?: Socket;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: UapiBackendOptions) {
    this.iface = opts.iface;
    this.socketPath = uapiSocketPath(opts.iface, opts.socketDir);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.clock = opts.clock ?? systemClock;
  }

  async get(): Promise<DeviceState> {
    return parseUapiGet(await this.request(UAPI_GET));
  }

  async set(update: DeviceUpdate): Promise<void> {
    if (isEmptyUpdate(update)) return;
    splitUapiReply(await this.request(encodeUapiSet(update)));
  }

  async close(): Promise<void> {
    this.conn?.destroy();
    this.conn = undefined;
  }

  private request(text: string): Promise<string> {
    // A kept-open connection dies silently when the daemon restarts; the first request on it then
    // fails without any reply. Retry that once on a fresh connection (get and set are idempotent).
    const run = async () => {
      const reused = this.conn !== undefined;
      try {
        return await this.exchange(text);
      } catch (err) {
        if (!reused || !(err instanceof StaleConnectionError)) throw err;
        return this.exchange(text);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async exchange(text: string): Promise<string> {
    const conn = this.conn ?? (await this.connect());
    return new Promise<string>((resolve, reject) => {
      let reply = '';
      let replied = false;
      const done = (err?: Error) => {
        this.clock.clearTimeout(timer);
        conn.off('data', onData).off('error', onError).off('close', onClose);
        if (err) {
          conn.destroy();
          if (this.conn === conn) this.conn = undefined;
          reject(err instanceof BackendError ? err : new BackendError(`UAPI ${this.socketPath}: ${err.message}`, { cause: err }));
        } else resolve(reply);
      };
      const onData = (chunk: Buffer) => {
        replied = true;
        reply += chunk.toString('utf8');
        // Replies end with the only blank line they contain.
        if (reply.endsWith('\n\n')) done();
      };
      const onError = (err: Error) => done(replied ? err : new StaleConnectionError(this.socketPath, err));
      const onClose = () =>
        done(replied ? new BackendError(`UAPI ${this.socketPath}: connection closed mid-reply`) : new StaleConnectionError(this.socketPath));
      const timer = this.clock.setTimeout(() => done(new BackendError(`UAPI ${this.socketPath}: no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
      conn.on('data', onData).on('error', onError).on('close', onClose);
      conn.write(text);
    });
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect(this.socketPath);
      s.once('connect', () => {
        s.off('error', onError);
        s.on('error', () => undefined); // errors surface through the request in flight
        s.on('close', () => {
          if (this.conn === s) this.conn = undefined;
        });
        this.conn = s;
        resolve(s);
      });
      const onError = (err: Error) => reject(new BackendError(`UAPI ${this.socketPath}: cannot connect: ${err.message}`, { cause: err }));
      s.once('error', onError);
    });
  }
}

/** The connection failed before any byte of the reply arrived. */
class StaleConnectionError extends BackendError {
  constructor(path: string, cause?: Error) {
    super(`UAPI ${path}: connection lost before a reply${cause ? `: ${cause.message}` : ''}`, { cause });
  }
}
