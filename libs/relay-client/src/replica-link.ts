import type { Socket } from 'node:net';
import type { ClientMessage, PunchAnswer, PunchOffer, RelayControlClient, SessionOpened } from '@wirekube/proto';
import { backoffDelay, errorMessage, type BackoffOptions, type Clock, type Logger, type Rng } from '@wirekube/util';
import { ControlSession, type ControlIdentity } from './control-session';
import { DataChannel } from './data-channel';
import { RelayClientError } from './errors';

/** Where one relay replica listens. */
export interface ReplicaAddress {
  host: string;
  /** gRPC RelayControl port. */
  controlPort: number;
  /** TCP data-channel port. */
  dataPort: number;
}

/** Stable text form of an address, used to match re-resolved addresses with existing links. */
export function replicaAddressId(a: ReplicaAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.controlPort}/${a.dataPort}`;
}

/** What a link reports to its owner. */
export interface ReplicaEvents {
  datagram(src: Buffer, data: Buffer): void;
  /** The set of peers present on this link changed, or the link went up or down. */
  changed(link: ReplicaLink): void;
  punchOffer(link: ReplicaLink, offer: PunchOffer): void;
  punchAnswer(link: ReplicaLink, answer: PunchAnswer): void;
}

/** Settings of a link. Durations in ms. */
export interface ReplicaLinkOptions {
  address: ReplicaAddress;
  identity: ControlIdentity;
  /** A RelayControl client for `host:port` (the owner decides credentials and tracing). */
  client: RelayControlClient;
  backoff: BackoffOptions;
  handshakeTimeoutMs: number;
  keepaliveMs: number;
  maxBufferedBytes: number;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  events: ReplicaEvents;
  onDataSocket?: (s: Socket) => void;
}

/** A link that stayed up at least this long resets its backoff. */
const STABLE_MS = 10_000;

/**
 * The agent's connection to one relay replica: an authenticated control session plus its data
 * channel, kept up with exponential backoff (injected clock and rng) until {@link ReplicaLink.close}.
 * Either half failing tears both down and starts over, so the pair always shares one token.
 */
export class ReplicaLink {
  /** Peers present on this replica (key latin1 → node name), from the presence stream. */
  readonly present = new Map<string, string>();
  private control: ControlSession | undefined;
  private data: DataChannel | undefined;
  private readonly abort = new AbortController();
  private readonly ownKeyId: string;
  private lastErr: RelayClientError | undefined;

  constructor(private readonly opts: ReplicaLinkOptions) {
    this.ownKeyId = opts.identity.publicKey.toString('latin1');
  }

  /** Why the link last went down (or failed to come up), if it ever did. */
  get lastError(): RelayClientError | undefined {
    return this.lastErr;
  }

  /** True while both halves are open. */
  get up(): boolean {
    return !!this.control && !!this.data && !this.control.closed && !this.data.closed;
  }

  /** The relay's replica id once a session opened (used for the stable replica order). */
  get id(): string {
    return this.control?.opened.replicaId || replicaAddressId(this.opts.address);
  }

  /** What the relay said when the current session opened. */
  get session(): SessionOpened | undefined {
    return this.up ? this.control?.opened : undefined;
  }

  /** The RelayControl client of this replica (for unary calls such as FilteringProbe). */
  get client(): RelayControlClient {
    return this.opts.client;
  }

  /** True when `keyId` (a key as latin1) is present here and the link is up. */
  has(keyId: string): boolean {
    return this.up && this.present.has(keyId);
  }

  /** Sends a datagram through this replica; false when down or backed up. */
  send(dst: Uint8Array, datagram: Uint8Array): boolean {
    return this.up ? this.data!.send(dst, datagram) : false;
  }

  /** Sends a control message (punch traffic); false when down. */
  sendControl(msg: ClientMessage): boolean {
    if (!this.up) return false;
    this.control!.send(msg);
    return true;
  }

  /** Starts the connect/reconnect loop in the background. */
  start(): void {
    void this.supervise();
  }

  /** Keeps the loop alive: a bug surfacing in it (e.g. a throwing callback) is logged, never fatal. */
  private async supervise(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        return await this.run();
      } catch (err) {
        this.opts.logger.error('relay link loop failed; restarting it', { err: errorMessage(err) });
        await this.opts.clock.sleep(this.opts.backoff.maxMs, this.abort.signal).catch(() => undefined);
      }
    }
  }

  /** Closes both halves and stops reconnecting; idempotent. */
  close(): void {
    this.abort.abort(new RelayClientError('closed', 'link closed'));
    this.control?.close();
    this.data?.close();
    this.opts.client.close();
  }

  private async run(): Promise<void> {
    const { clock, logger, backoff } = this.opts;
    const a = this.opts.address;
    let attempt = 0;
    while (!this.abort.signal.aborted) {
      let upSince: number | undefined;
      try {
        const { ended } = await this.connectOnce();
        upSince = clock.monotonic();
        this.opts.events.changed(this);
        logger.info('relay replica up', { replica: this.id, host: a.host });
        this.lastErr = await ended;
        logger.info('relay replica down', { replica: this.id, code: this.lastErr.code, reason: this.lastErr.message });
      } catch (err) {
        this.lastErr = err instanceof RelayClientError ? err : new RelayClientError('connect-failed', errorMessage(err), { cause: err });
        logger.warn('relay replica connect failed', { host: a.host, code: this.lastErr.code, err: this.lastErr.message });
      }
      this.control?.close();
      this.data?.close();
      this.present.clear();
      this.opts.events.changed(this);
      attempt = upSince !== undefined && clock.monotonic() - upSince >= STABLE_MS ? 0 : attempt + 1;
      if (this.abort.signal.aborted) break;
      // Replaced means another process proved our key (we are the stale one after a restart, or
      // two agents share a key): back off fully instead of fighting over the session.
      const delay = this.lastErr.code === 'replaced' ? backoff.maxMs : backoffDelay(attempt - 1, backoff, this.opts.rng);
      try {
        await clock.sleep(delay, this.abort.signal);
      } catch {
        break;
      }
    }
  }

  /**
   * Opens control then data; resolves once both are up with `ended`, the first error that ends
   * either (wrapped in an object: an async function returning a bare promise would adopt it).
   */
  private async connectOnce(): Promise<{ ended: Promise<RelayClientError> }> {
    const o = this.opts;
    let endedResolve: (e: RelayClientError) => void = () => {};
    const ended = new Promise<RelayClientError>((r) => (endedResolve = r));
    this.control = await ControlSession.open(
      o.client,
      o.identity,
      {
        presence: (p) => {
          if (p.snapshot) this.present.clear();
          for (const k of p.left) this.present.delete(Buffer.from(k).toString('latin1'));
          for (const j of p.joined) {
            const id = Buffer.from(j.publicKey).toString('latin1');
            if (id !== this.ownKeyId) this.present.set(id, j.nodeName);
          }
          o.events.changed(this);
        },
        punchOffer: (offer) => o.events.punchOffer(this, offer),
        punchAnswer: (ans) => o.events.punchAnswer(this, ans),
        closed: endedResolve,
      },
      o.clock,
      o.handshakeTimeoutMs,
    );
    this.data = await DataChannel.open({
      host: o.address.host,
      port: o.address.dataPort,
      publicKey: o.identity.publicKey,
      token: this.control.opened.token,
      timeoutMs: o.handshakeTimeoutMs,
      keepaliveMs: o.keepaliveMs,
      maxBufferedBytes: o.maxBufferedBytes,
      clock: o.clock,
      onSocket: o.onDataSocket,
    });
    this.data.onDatagram(o.events.datagram);
    this.data.onClose(endedResolve);
    return { ended };
  }
}
