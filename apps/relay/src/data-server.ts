import type { Socket } from 'node:net';
import {
  FrameDecoder,
  FrameType,
  KEY_BYTES,
  MAX_PAYLOAD,
  RELAY_PROTOCOL_VERSION,
  RelayProtocolError,
  decodeRegister,
  encodeError,
  encodeFrame,
} from '@wirekube/relay-core';
import type { Clock, Logger } from '@wirekube/util';
import type { Forwarder } from './forwarder';
import type { HandshakeLimiter } from './handshake-limiter';
import type { DropReason, RelayCounters } from './relay-stats';
import type { DataPort, PeerEntry, SessionTable } from './session-table';

/** Data-channel settings. */
export interface DataChannelOptions {
  /** A connection that has not registered within this many ms is closed ("register-timeout"). */
  registerTimeoutMs: number;
  /** Bytes buffered in a receiver's socket before its datagrams wait in its queue instead. */
  socketHighWaterBytes: number;
  /** Largest SEND payload (key + datagram) accepted; larger closes the connection ("oversized"). */
  maxPayload?: number;
}

/** Dependencies of the data channel. */
export interface DataChannelDeps {
  table: SessionTable;
  forwarder: Forwarder;
  limiter: HandshakeLimiter;
  counters: RelayCounters;
  clock: Clock;
  logger: Logger;
}

const REGISTER_PAYLOAD = 4 + 1 + 2 * KEY_BYTES;
/** How long a closing connection may take to flush its ERROR frame before it is destroyed. */
const CLOSE_LINGER_MS = 1000;

/**
 * Serves one TCP data connection (see the protocol in relay-core's frame codec): waits for a
 * REGISTER whose token belongs to the live control session of the same key, then forwards its SEND
 * frames and delivers RECV frames to it. Any protocol violation closes only this connection with
 * an ERROR frame; a failed registration never affects the registered owner of the key.
 */
export function serveDataConnection(socket: Socket, deps: DataChannelDeps, opts: DataChannelOptions): void {
  const { table, forwarder, counters, clock, logger } = deps;
  const ip = socket.remoteAddress ?? 'unknown';
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  const release = deps.limiter.acquire(ip);
  if (!release) {
    counters.handshakeRejects++;
    socket.end(encodeError('too-many-handshakes', 'too many unauthenticated connections'));
    socket.destroySoon();
    return;
  }
  let entry: PeerEntry | undefined;
  let lastDst: PeerEntry | undefined;
  let closing = false;

  const link: DataPort = {
    write: (buf) => void socket.write(buf),
    backlogged: () => socket.writableLength >= opts.socketHighWaterBytes,
    close: (code, message) => fail(code, message),
  };

  const fail = (code: string, message: string) => {
    if (closing) return;
    closing = true;
    release();
    if (entry?.data === link) entry.data = undefined;
    socket.end(encodeError(code, message));
    clock.setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  };

  const timer = clock.setTimeout(() => {
    counters.handshakeRejects++;
    fail('register-timeout', `no REGISTER within ${opts.registerTimeoutMs}ms`);
  }, opts.registerTimeoutMs);

  const register = (payload: Buffer) => {
    const r = decodeRegister(payload);
    if (r.version !== RELAY_PROTOCOL_VERSION) {
      return fail('unsupported-version', `relay speaks version ${RELAY_PROTOCOL_VERSION}, got ${r.version}`);
    }
    const e = table.byCredentials(r.publicKey, r.token);
    if (!e) {
      counters.authFailures++;
      return fail('auth-failed', 'token does not belong to a live session of this key');
    }
    clock.clearTimeout(timer);
    release();
    e.data?.close('replaced', 'a newer data connection registered the same session');
    entry = e;
    e.data = link;
    decoder.maxPayload = opts.maxPayload ?? MAX_PAYLOAD;
    socket.write(encodeFrame(FrameType.Registered));
    socket.on('drain', () => forwarder.flush(e));
    forwarder.flush(e);
  };

  const decoder = new FrameDecoder((type, payload) => {
    if (closing) return;
    if (!entry) {
      if (type !== FrameType.Register) throw new RelayProtocolError('malformed', 'first frame must be REGISTER');
      return register(payload);
    }
    if (type === FrameType.Send) {
      counters.framesIn++;
      counters.bytesIn += payload.length - KEY_BYTES;
      // Consecutive frames usually go to the same peer: compare the key bytes in place instead of
      // building a lookup string per frame. The cached entry is re-checked for being closed.
      if (lastDst === undefined || lastDst.closed || payload.compare(lastDst.key, 0, KEY_BYTES, 0, KEY_BYTES) !== 0) {
        lastDst = table.get(payload.toString('latin1', 0, KEY_BYTES));
        if (!lastDst) return forwarder.forwardTo(entry, undefined, payload);
      }
      forwarder.forwardTo(entry, lastDst, payload.subarray(KEY_BYTES));
    } else if (type === FrameType.Ping) {
      socket.write(encodeFrame(FrameType.Pong, payload));
    } else {
      throw new RelayProtocolError('malformed', `unexpected frame type ${type} from a client`);
    }
  }, REGISTER_PAYLOAD);

  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    try {
      decoder.push(chunk);
    } catch (err) {
      const code = err instanceof RelayProtocolError ? err.code : 'malformed';
      counters.drop(dropReason(code));
      if (!entry) counters.handshakeRejects++;
      logger.debug('data connection protocol error', { ip, code, err: String(err) });
      fail(code, err instanceof Error ? err.message : String(err));
    }
    forwarder.flushDirty();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closing = true;
    clock.clearTimeout(timer);
    release();
    if (entry?.data === link) entry.data = undefined;
  });
}

function dropReason(code: string): DropReason {
  return code === 'oversized' ? 'oversized' : 'malformed';
}
