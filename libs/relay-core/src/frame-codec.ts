/*
 * WireKube relay data channel — protocol
 * ======================================
 *
 * The relay forwards WireGuard datagrams between agents that cannot reach each other directly.
 * It only ever sees WireGuard ciphertext; the keys in frames are WireGuard public keys.
 *
 * Flow (one TCP connection per agent and relay replica):
 *
 *   agent                                   relay
 *     | ---- gRPC RelayControl.Session --------> |   Hello{public key}
 *     | <--------------------------------------- |   Challenge{relay public key, nonce}
 *     | ---------------------------------------> |   Proof{HMAC(X25519(agent, relay), nonce)}
 *     | <--------------------------------------- |   SessionOpened{token}   (see auth.ts)
 *     |                                          |
 *     | ==== TCP data channel ===================|
 *     | REGISTER{magic, version, key, token} --> |   token must belong to a live, proven
 *     | <-------------------------- REGISTERED   |   control session for that same key
 *     | SEND{dst key, datagram} ---------------> |   queued for dst (fair, bounded)
 *     | <------------------- RECV{src key, dgram}|   what other agents SENT to us
 *     | PING{8 bytes} -------------------------> |
 *     | <------------------------- PONG{8 bytes} |
 *     | <------------------- ERROR{code, text}   |   then the relay closes the connection
 *
 * A data connection lives only as long as the control session that issued its token: when the
 * owner re-registers (agent restart) the old control session and its data connection are closed.
 * Without a valid token the relay answers ERROR and closes; it never touches existing sessions.
 *
 * Frame layout (all integers big-endian):
 *
 *   +--------+--------------------------+---------------------+
 *   | type u8| payload length u32       | payload             |
 *   +--------+--------------------------+---------------------+
 *
 *   REGISTER   0x01  "WKRL" | version u8 | public key [32] | token [32]         (69 bytes)
 *   REGISTERED 0x02  (empty)
 *   SEND       0x03  destination public key [32] | WireGuard datagram
 *   RECV       0x04  source public key [32]      | WireGuard datagram
 *   PING       0x05  opaque [8]
 *   PONG       0x06  the PING's 8 bytes
 *   ERROR      0x07  code length u8 | code (ASCII) | message (UTF-8)
 *
 * Versioning: REGISTER carries the protocol version ({@link RELAY_PROTOCOL_VERSION}). A relay
 * answers an unknown version with ERROR "unsupported-version". New frame types need a new
 * version; a peer receiving a type it does not know treats the connection as malformed.
 *
 * Limits: a payload longer than the decoder's `maxPayload` (default {@link MAX_PAYLOAD}: a
 * maximal UDP datagram plus the key) is a protocol error — the connection is closed, the length
 * is refused before anything is buffered for it.
 */
import { RelayProtocolError } from './errors';

/** Protocol version spoken by this codec, carried in REGISTER. */
export const RELAY_PROTOCOL_VERSION = 1;
/** Magic at the start of REGISTER, so a stray client of another protocol fails fast. */
export const REGISTER_MAGIC = Buffer.from('WKRL', 'ascii');
/** Bytes in the frame header (type + length). */
export const FRAME_HEADER_BYTES = 5;
/** Bytes in a WireGuard (X25519) public key, and in a data-channel token. */
export const KEY_BYTES = 32;
/** Largest UDP payload (65535 − 8 − 20) plus the key that addresses it. */
export const MAX_PAYLOAD = 65_507 + KEY_BYTES;

/** Frame types; see the protocol description at the top of this file. */
export const FrameType = {
  Register: 0x01,
  Registered: 0x02,
  Send: 0x03,
  Recv: 0x04,
  Ping: 0x05,
  Pong: 0x06,
  Error: 0x07,
} as const;
/** A frame type value. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const FIRST_TYPE = FrameType.Register;
const LAST_TYPE = FrameType.Error;
const REGISTER_BYTES = REGISTER_MAGIC.length + 1 + KEY_BYTES + KEY_BYTES;

/** Payload of a REGISTER frame. */
export interface RegisterFrame {
  version: number;
  /** 32-byte WireGuard public key being registered. */
  publicKey: Buffer;
  /** 32-byte token from the control session (SessionOpened.token). */
  token: Buffer;
}

/** Returns a complete frame: header + payload. */
export function encodeFrame(type: FrameType, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out[0] = type;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** REGISTER frame. Throws RelayProtocolError when a key or the token is not 32 bytes. */
export function encodeRegister(r: RegisterFrame): Buffer {
  checkKey(r.publicKey, 'public key');
  checkKey(r.token, 'token');
  return encodeFrame(
    FrameType.Register,
    Buffer.concat([REGISTER_MAGIC, Buffer.of(r.version & 0xff), r.publicKey, r.token]),
  );
}

/** Parses a REGISTER payload; throws RelayProtocolError("bad-register") when malformed. */
export function decodeRegister(payload: Buffer): RegisterFrame {
  if (payload.length !== REGISTER_BYTES || !payload.subarray(0, 4).equals(REGISTER_MAGIC)) {
    throw new RelayProtocolError('bad-register', `REGISTER payload must be ${REGISTER_BYTES} bytes starting with WKRL`);
  }
  return {
    version: payload[4]!,
    publicKey: Buffer.from(payload.subarray(5, 5 + KEY_BYTES)),
    token: Buffer.from(payload.subarray(5 + KEY_BYTES)),
  };
}

/**
 * SEND or RECV frame: `key` (destination for SEND, source for RECV) followed by the datagram.
 * Throws RelayProtocolError when the key is not 32 bytes.
 */
export function encodeAddressed(type: typeof FrameType.Send | typeof FrameType.Recv, key: Uint8Array, datagram: Uint8Array): Buffer {
  checkKey(key, 'key');
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + KEY_BYTES + datagram.length);
  writeAddressed(out, 0, type, key, datagram);
  return out;
}

/**
 * Writes a SEND/RECV frame into `out` at `offset` without allocating (batched writes); returns
 * the offset after it. The caller guarantees room for 37 + datagram.length bytes.
 */
export function writeAddressed(out: Buffer, offset: number, type: FrameType, key: Uint8Array, datagram: Uint8Array): number {
  out[offset] = type;
  out.writeUInt32BE(KEY_BYTES + datagram.length, offset + 1);
  out.set(key, offset + FRAME_HEADER_BYTES);
  out.set(datagram, offset + FRAME_HEADER_BYTES + KEY_BYTES);
  return offset + FRAME_HEADER_BYTES + KEY_BYTES + datagram.length;
}

/** Encoded size of a SEND/RECV frame carrying `datagramBytes`. */
export function addressedFrameBytes(datagramBytes: number): number {
  return FRAME_HEADER_BYTES + KEY_BYTES + datagramBytes;
}

/** ERROR frame; the code is ASCII and at most 255 bytes, the message is truncated to 1 KiB. */
export function encodeError(code: string, message: string): Buffer {
  const c = Buffer.from(code, 'ascii').subarray(0, 255);
  const m = Buffer.from(message, 'utf8').subarray(0, 1024);
  return encodeFrame(FrameType.Error, Buffer.concat([Buffer.of(c.length), c, m]));
}

/** Parses an ERROR payload; throws RelayProtocolError("bad-error-frame") when truncated. */
export function decodeError(payload: Buffer): { code: string; message: string } {
  const n = payload[0];
  if (n === undefined || payload.length < 1 + n) throw new RelayProtocolError('bad-error-frame', 'ERROR payload truncated');
  return { code: payload.toString('ascii', 1, 1 + n), message: payload.toString('utf8', 1 + n) };
}

function checkKey(k: Uint8Array, what: string): void {
  if (k.length !== KEY_BYTES) throw new RelayProtocolError('bad-key', `${what} must be ${KEY_BYTES} bytes, got ${k.length}`);
}

/** Called by {@link FrameDecoder} for each complete frame; `payload` is only valid during the call
 * unless copied or retained (it is a view into the received chunk). */
export type FrameHandler = (type: FrameType, payload: Buffer) => void;

/**
 * Incremental decoder for a byte stream of frames. Feed it chunks in arrival order with
 * {@link FrameDecoder.push}; it calls the handler once per complete frame, in order. Throws
 * RelayProtocolError on an unknown type ("unknown-frame-type"), a length above `maxPayload`
 * ("oversized"), or a SEND/RECV shorter than a key ("short-frame"); the stream is unusable after.
 * Memory held between chunks is bounded by one frame (of at most `maxPayload`), and only a frame
 * split across chunks is copied.
 */
export class FrameDecoder {
  /**
   * A frame split across chunks: first just its header (5 bytes), then, once the header is known
   * and valid, a buffer of exactly the frame's size. Only the split frame is ever copied; every
   * frame wholly inside a chunk is handed out as a view of that chunk.
   */
  private pending: Buffer | null = null;
  private pendingLen = 0;
  private failed = false;

  /**
   * @param maxPayload largest payload accepted; may be raised later (a relay allows only a
   *   REGISTER-sized frame until the connection is authenticated).
   */
  constructor(
    private readonly onFrame: FrameHandler,
    public maxPayload = MAX_PAYLOAD,
  ) {}

  /** Bytes buffered while waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Consumes one chunk of the stream. */
  push(chunk: Buffer): void {
    if (this.failed) throw new RelayProtocolError('decoder-failed', 'decoder already failed');
    try {
      let off = this.pending ? this.fillPending(chunk) : 0;
      while (chunk.length - off >= FRAME_HEADER_BYTES) {
        const len = this.checkHeader(chunk, off);
        const end = off + FRAME_HEADER_BYTES + len;
        if (end > chunk.length) break;
        this.onFrame(chunk[off] as FrameType, chunk.subarray(off + FRAME_HEADER_BYTES, end));
        off = end;
      }
      if (off < chunk.length) {
        const tail = chunk.length - off;
        this.pending = Buffer.allocUnsafe(tail < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + chunk.readUInt32BE(off + 1));
        this.pendingLen = chunk.copy(this.pending, 0, off);
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /** Completes the pending frame from the start of `chunk`; returns the bytes of it consumed. */
  private fillPending(chunk: Buffer): number {
    let off = 0;
    let frame = this.pending!;
    if (this.pendingLen < FRAME_HEADER_BYTES) {
      off = chunk.copy(frame, this.pendingLen, 0, FRAME_HEADER_BYTES - this.pendingLen);
      this.pendingLen += off;
      if (this.pendingLen < FRAME_HEADER_BYTES) return off;
      const len = this.checkHeader(frame, 0);
      if (len > 0) {
        frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + len);
        this.pending!.copy(frame, 0, 0, FRAME_HEADER_BYTES);
        this.pending = frame;
      }
    }
    const n = chunk.copy(frame, this.pendingLen, off);
    this.pendingLen += n;
    off += n;
    if (this.pendingLen === frame.length) {
      this.pending = null;
      this.pendingLen = 0;
      this.onFrame(frame[0] as FrameType, frame.subarray(FRAME_HEADER_BYTES));
    }
    return off;
  }

  /** Validates the header at `off` (type, length bound, room for a key); returns the payload length. */
  private checkHeader(buf: Buffer, off: number): number {
    const type = buf[off]!;
    const len = buf.readUInt32BE(off + 1);
    if (type < FIRST_TYPE || type > LAST_TYPE) throw new RelayProtocolError('unknown-frame-type', `unknown frame type 0x${type.toString(16)}`);
    if (len > this.maxPayload) throw new RelayProtocolError('oversized', `frame payload ${len} bytes exceeds ${this.maxPayload}`);
    if ((type === FrameType.Send || type === FrameType.Recv) && len < KEY_BYTES) {
      throw new RelayProtocolError('short-frame', `addressed frame of ${len} bytes has no room for a key`);
    }
    return len;
  }
}
