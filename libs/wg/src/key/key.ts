import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { memoByObject, WireKubeError } from '@wirekube/util';

/** Length in bytes of every WireGuard key (private, public, preshared). */
export const WG_KEY_LEN = 32;

// RFC 8410 §7: a PKCS#8 X25519 private key is this fixed 16-byte DER prefix followed by the
// 32 raw key bytes. Node imports raw X25519 keys only through DER/JWK, so we build the DER.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
// RFC 8410 §4: SPKI for X25519 is a 12-byte prefix followed by the 32-byte public key.
const SPKI_X25519_PREFIX_LEN = 12;

/** A key string or byte sequence that is not a valid WireGuard key. */
export class InvalidKeyError extends WireKubeError {
  constructor(message: string) {
    super('invalid-key', message);
  }
}

/**
 * A 32-byte WireGuard key (private, public or preshared). Immutable; compare with
 * {@link WgKey.equals} or by its base64 form, which is the canonical text used in maps, CRDs
 * and `wg` output.
 */
export class WgKey {
  private readonly raw: Buffer;
  // Keys are map keys everywhere (one per peer per reconcile): encode once.
  private base64?: string;

  private constructor(raw: Buffer, base64?: string) {
    this.raw = Buffer.from(raw);
    if (base64 !== undefined) this.base64 = base64;
  }

  /** Wraps 32 raw bytes; throws {@link InvalidKeyError} for any other length. */
  static fromBytes(bytes: Uint8Array): WgKey {
    if (bytes.length !== WG_KEY_LEN) throw new InvalidKeyError(`key must be ${WG_KEY_LEN} bytes, got ${bytes.length}`);
    return new WgKey(Buffer.from(bytes));
  }

  /** Parses standard base64 as printed by `wg genkey` (44 characters, one `=` of padding). */
  static fromBase64(text: string): WgKey {
    if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text)) {
      throw new InvalidKeyError(`not a base64 WireGuard key: ${JSON.stringify(truncate(text))}`);
    }
    return new WgKey(Buffer.from(text, 'base64'), text);
  }

  /** Parses 64 hex digits, the form the UAPI protocol uses. */
  static fromHex(text: string): WgKey {
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new InvalidKeyError(`not a hex WireGuard key: ${JSON.stringify(truncate(text))}`);
    return new WgKey(Buffer.from(text, 'hex'));
  }

  /** A copy of the 32 raw bytes. */
  bytes(): Buffer {
    return Buffer.from(this.raw);
  }

  toBase64(): string {
    return (this.base64 ??= this.raw.toString('base64'));
  }

  toHex(): string {
    return this.raw.toString('hex');
  }

  /** True when every byte is zero (the "no key" value of both kernel and UAPI interfaces). */
  isZero(): boolean {
    return this.raw.every((b) => b === 0);
  }

  equals(other: WgKey): boolean {
    return this.raw.equals(other.raw);
  }

  /** The base64 form, so keys print well in logs; never log private keys. */
  toString(): string {
    return this.toBase64();
  }
}

/**
 * Generates a new private key from the system CSPRNG, clamped as RFC 7748 §5 describes (the
 * same bytes `wg genkey` would produce for the same randomness).
 */
export function generatePrivateKey(): WgKey {
  const b = randomBytes(WG_KEY_LEN);
  b[0] &= 248;
  b[31] = (b[31] & 127) | 64;
  return WgKey.fromBytes(b);
}

/** Derives the X25519 public key of `privateKey`, exactly as `wg pubkey` does (once per key object). */
export const publicKeyOf: (privateKey: WgKey) => WgKey = memoByObject(derivePublicKey);

function derivePublicKey(privateKey: WgKey): WgKey {
  const priv = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, privateKey.bytes()]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return WgKey.fromBytes(spki.subarray(SPKI_X25519_PREFIX_LEN));
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
