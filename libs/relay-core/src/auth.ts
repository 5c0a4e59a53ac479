/*
 * Proof of possession of a WireGuard (X25519) private key.
 *
 * The relay has its own static X25519 key pair. To register public key A, an agent receives a
 * single-use 32-byte nonce and answers mac = HMAC-SHA256(X25519(a, R), "wirekube-relay-auth" ‖ nonce)
 * where a is its private key and R the relay's public key. The relay computes X25519(r, A) — the same
 * shared secret — and compares in constant time. Only the holder of a (or of r) can produce mac;
 * the nonce makes every proof single-use, and the relay key binds it to this relay.
 *
 * Low-order public keys (whose shared secret is all zeros) are rejected: OpenSSL refuses the
 * derivation and we turn that into an auth failure rather than a crash.
 */
import { createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { RelayAuthError } from './errors';
import { KEY_BYTES } from './frame-codec';

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PROOF_LABEL = Buffer.from('wirekube-relay-auth', 'ascii');
/** Bytes in a challenge nonce. */
export const NONCE_BYTES = 32;

/** A raw X25519 key pair (32 bytes each), as WireGuard stores them. */
export interface RawKeyPair {
  privateKey: Buffer;
  publicKey: Buffer;
}

/** Imports a raw 32-byte X25519 private key. Throws RelayAuthError("bad-key") on a wrong length. */
export function privateKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES) throw new RelayAuthError('bad-key', `private key must be ${KEY_BYTES} bytes`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** Imports a raw 32-byte X25519 public key. Throws RelayAuthError("bad-key") on a wrong length. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES) throw new RelayAuthError('bad-key', `public key must be ${KEY_BYTES} bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw public key that belongs to a raw private key (what `wg pubkey` prints, unencoded). */
export function publicKeyOf(privateRaw: Uint8Array): Buffer {
  const der = createPublicKey(privateKeyFromRaw(privateRaw)).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - KEY_BYTES));
}

/** A fresh random key pair (node:crypto's generator). */
export function generateRawKeyPair(): RawKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const raw = Buffer.from(der.subarray(der.length - KEY_BYTES));
  return { privateKey: raw, publicKey: publicKeyOf(raw) };
}

/** HMAC over the shared secret and nonce; the proof both sides compute. */
function mac(shared: Buffer, nonce: Uint8Array): Buffer {
  return createHmac('sha256', shared).update(PROOF_LABEL).update(nonce).digest();
}

/** Shared secret; throws RelayAuthError("auth-failed") for keys OpenSSL rejects (low order). */
function shared(privateKey: Uint8Array | KeyObject, publicRaw: Uint8Array): Buffer {
  const priv = privateKey instanceof Uint8Array ? privateKeyFromRaw(privateKey) : privateKey;
  const pub = publicKeyFromRaw(publicRaw);
  try {
    return diffieHellman({ privateKey: priv, publicKey: pub });
  } catch (err) {
    throw new RelayAuthError('auth-failed', 'X25519 derivation refused (low-order key?)', { cause: err });
  }
}

/**
 * The agent's answer to a challenge: proves it holds `agentPrivate` to the relay whose public key
 * is `relayPublic`. Throws RelayAuthError on malformed keys.
 */
export function computeProof(agentPrivate: Uint8Array | KeyObject, relayPublic: Uint8Array, nonce: Uint8Array): Buffer {
  return mac(shared(agentPrivate, relayPublic), nonce);
}

/**
 * True when `proof` shows possession of the private key of `agentPublic` for this `nonce`.
 * Never throws: malformed or low-order keys and proofs of the wrong length are simply false.
 * `relayPrivate` may be a KeyObject from {@link privateKeyFromRaw}, imported once by a busy relay.
 */
export function verifyProof(relayPrivate: Uint8Array | KeyObject, agentPublic: Uint8Array, nonce: Uint8Array, proof: Uint8Array): boolean {
  if (agentPublic.length !== KEY_BYTES || proof.length !== 32 || nonce.length !== NONCE_BYTES) return false;
  let expected: Buffer;
  try {
    expected = mac(shared(relayPrivate, agentPublic), nonce);
  } catch {
    return false;
  }
  return timingSafeEqual(expected, proof);
}
