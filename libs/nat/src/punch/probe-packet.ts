/**
 * Punch probes: the datagrams both sides exchange while opening a path. 28 bytes:
 *
 *   0..4   magic "WKPH" — first byte 0x57 is neither STUN (top bits 00) nor WireGuard (1..4)
 *   4      version (1)
 *   5      kind: 1 probe, 2 ack
 *   6..8   zero
 *   8..24  session token shared by both sides through the relay's punch offer
 *   24..28 sequence number, for RTT and loss accounting
 */
const MAGIC = 0x574b5048;
const VERSION = 1;
/** Size of a punch probe in bytes. */
export const PROBE_LENGTH = 28;

/** A decoded probe. */
export interface PunchPacket {
  kind: 'probe' | 'ack';
  token: Buffer;
  seq: number;
}

/** Encodes a probe or ack. `token` must be 16 bytes. */
export function encodeProbe(kind: PunchPacket['kind'], token: Buffer, seq: number): Buffer {
  if (token.length !== 16) throw new RangeError(`punch token must be 16 bytes, got ${token.length}`);
  const b = Buffer.alloc(PROBE_LENGTH);
  b.writeUInt32BE(MAGIC, 0);
  b[4] = VERSION;
  b[5] = kind === 'probe' ? 1 : 2;
  token.copy(b, 8);
  b.writeUInt32BE(seq >>> 0, 24);
  return b;
}

/** Decodes a probe; undefined for anything else (other protocols share these sockets). Never throws. */
export function decodeProbe(b: Buffer): PunchPacket | undefined {
  if (b.length !== PROBE_LENGTH || b.readUInt32BE(0) !== MAGIC || b[4] !== VERSION || (b[5] !== 1 && b[5] !== 2)) return undefined;
  return { kind: b[5] === 1 ? 'probe' : 'ack', token: Buffer.from(b.subarray(8, 24)), seq: b.readUInt32BE(24) };
}
