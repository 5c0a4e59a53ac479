import { connect, type Socket } from 'node:net';
import {
  FrameDecoder,
  FrameType,
  KEY_BYTES,
  RELAY_PROTOCOL_VERSION,
  decodeError,
  addressedFrameBytes,
  encodeFrame,
  encodeRegister,
  writeAddressed,
} from '@wirekube/relay-core';
import { errorMessage, type Clock, type TimerHandle } from '@wirekube/util';
import { RelayClientError } from './errors';

/** Size of the buffers frames are batched into before a write. */
const BATCH_BYTES = 64 * 1024;

/** How to reach and register on one replica's data channel. */
export interface DataChannelOptions {
  host: string;
  port: number;
  /** Our raw public key and the token from SessionOpened. */
  publicKey: Buffer;
  token: Buffer;
  /** Connect + REGISTERED must complete within this many ms. */
  timeoutMs: number;
  /** Interval of PINGs; the connection is declared dead after 3 intervals without any frame. */
  keepaliveMs: number;
  /** Bytes buffered in our socket beyond which sends are dropped (the relay is not keeping up). */
  maxBufferedBytes: number;
  clock: Clock;
  /** Called when the socket is created, before connecting (e.g. to set SO_MARK). */
  onSocket?: (s: Socket) => void;
}

/**
 * The agent's registered TCP data connection to one relay replica. Sends are coalesced: frames
 * sent in the same turn of the event loop are encoded into one buffer that leaves in one write.
 * Received RECV frames go to the datagram handler; the connection ends on ERROR, on a protocol
 * violation, on silence for three keepalive intervals, or on close(); `closed` tells why.
 */
export class DataChannel {
  /** Datagrams dropped because the socket was backed up. */
  dropped = 0;
  private onDatagramFn: (src: Buffer, data: Buffer) => void = () => {};
  private closeHandlers: Array<(err: RelayClientError) => void> = [];
  /** Frames written this turn of the event loop, sent as one write on setImmediate. */
  private batch: Buffer = Buffer.alloc(0);
  private batchLen = 0;
  private flushScheduled = false;
  private lastHeard: number;
  private keepalive: TimerHandle | undefined;
  private closedWith: RelayClientError | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: DataChannelOptions,
  ) {
    this.lastHeard = opts.clock.monotonic();
  }

  /** Connects and registers; rejects with RelayClientError (the relay's code when it refused). */
  static open(opts: DataChannelOptions): Promise<DataChannel> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
      opts.onSocket?.(socket);
      const ch = new DataChannel(socket, opts);
      let registered = false;
      const timer = opts.clock.setTimeout(() => ch.fail(new RelayClientError('timeout', `data channel ${opts.host}:${opts.port} not registered within ${opts.timeoutMs}ms`)), opts.timeoutMs);
      ch.onClose((err) => {
        opts.clock.clearTimeout(timer);
        if (!registered) reject(err);
      });
      const decoder = new FrameDecoder((type, payload) => {
        ch.lastHeard = opts.clock.monotonic();
        if (type === FrameType.Recv) return ch.onDatagramFn(payload.subarray(0, KEY_BYTES), payload.subarray(KEY_BYTES));
        if (type === FrameType.Registered && !registered) {
          registered = true;
          opts.clock.clearTimeout(timer);
          ch.startKeepalive();
          return resolve(ch);
        }
        if (type === FrameType.Error) {
          const e = decodeError(payload);
          return ch.fail(new RelayClientError(e.code, `relay closed the data channel: ${e.message}`));
        }
        if (type === FrameType.Pong) return;
        ch.fail(new RelayClientError('protocol', `unexpected frame type ${type} from the relay`));
      });
      socket.on('connect', () => socket.write(encodeRegister({ version: RELAY_PROTOCOL_VERSION, publicKey: opts.publicKey, token: opts.token })));
      socket.on('data', (chunk: Buffer) => {
        try {
          decoder.push(chunk);
        } catch (err) {
          ch.fail(new RelayClientError('protocol', errorMessage(err), { cause: err }));
        }
      });
      socket.on('error', (err) => ch.fail(new RelayClientError('connect-failed', `data channel ${opts.host}:${opts.port}: ${err.message}`, { cause: err })));
      socket.on('close', () => ch.fail(new RelayClientError('closed', 'data channel closed')));
    });
  }

  /** Why the channel closed, once it has. */
  get closed(): RelayClientError | undefined {
    return this.closedWith;
  }

  /** Sets the handler of received datagrams (`src` and `data` are views valid during the call). */
  onDatagram(fn: (src: Buffer, data: Buffer) => void): void {
    this.onDatagramFn = fn;
  }

  /** Adds a handler called once when the channel closes, with the reason. */
  onClose(fn: (err: RelayClientError) => void): void {
    if (this.closedWith) fn(this.closedWith);
    else this.closeHandlers.push(fn);
  }

  /** Queues a datagram for `dst`; false (and counted) when closed or backed up. */
  send(dst: Uint8Array, datagram: Uint8Array): boolean {
    if (this.closedWith || this.socket.writableLength > this.opts.maxBufferedBytes) {
      this.dropped++;
      return false;
    }
    if (dst.length !== KEY_BYTES) throw new RelayClientError('bad-key', `destination key must be ${KEY_BYTES} bytes`);
    const need = addressedFrameBytes(datagram.length);
    if (this.batchLen + need > this.batch.length) {
      this.flush();
      this.batch = Buffer.allocUnsafe(Math.max(BATCH_BYTES, need));
    }
    this.batchLen = writeAddressed(this.batch, this.batchLen, FrameType.Send, dst, datagram);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return true;
  }

  /** Writes the frames batched so far; the rest of the batch buffer is reused for the next ones. */
  private flush(): void {
    if (this.batchLen === 0 || this.closedWith) return;
    this.socket.write(this.batch.subarray(0, this.batchLen));
    this.batch = this.batch.subarray(this.batchLen);
    this.batchLen = 0;
  }

  /** Closes the connection; idempotent. */
  close(): void {
    this.fail(new RelayClientError('closed', 'closed locally'));
  }

  private startKeepalive(): void {
    const tick = () => {
      if (this.closedWith) return;
      if (this.opts.clock.monotonic() - this.lastHeard > 3 * this.opts.keepaliveMs) {
        return this.fail(new RelayClientError('timeout', 'relay data channel silent for 3 keepalive intervals'));
      }
      this.socket.write(encodeFrame(FrameType.Ping, Buffer.alloc(8)));
      this.keepalive = this.opts.clock.setTimeout(tick, this.opts.keepaliveMs);
    };
    this.keepalive = this.opts.clock.setTimeout(tick, this.opts.keepaliveMs);
  }

  private fail(err: RelayClientError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    if (this.keepalive) this.opts.clock.clearTimeout(this.keepalive);
    this.socket.destroy();
    for (const h of this.closeHandlers.splice(0)) h(err);
  }
}
