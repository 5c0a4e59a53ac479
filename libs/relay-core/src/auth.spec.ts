import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeProof, generateRawKeyPair, publicKeyOf, verifyProof, RelayAuthError } from './index';

// RFC 7748 §6.1 test keys: Alice and Bob, and their shared secret.
const alicePriv = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
const alicePub = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');
const bobPriv = Buffer.from('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb', 'hex');
const bobPub = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex');
const nonce = Buffer.alloc(32, 1);

describe('relay proof of possession', () => {
  it('derives RFC 7748 public keys from raw private keys', () => {
    assert.deepEqual(publicKeyOf(alicePriv), alicePub);
    assert.deepEqual(publicKeyOf(bobPriv), bobPub);
  });

  it('matches the golden proof (HMAC-SHA256 over the RFC 7748 shared secret, computed with openssl)', () => {
    // Agent = Alice, relay = Bob.
    const proof = computeProof(alicePriv, bobPub, nonce);
    assert.equal(proof.toString('hex'), '17b4917e160a81fa013331f6cf4aee94bdbbdb6d2eac3680cb5ce965dcce2bd5');
    assert.equal(verifyProof(bobPriv, alicePub, nonce, proof), true);
  });

  it('refuses a proof for another key, another nonce or another relay', () => {
    const relay = generateRawKeyPair();
    const agent = generateRawKeyPair();
    const thief = generateRawKeyPair();
    const good = computeProof(agent.privateKey, relay.publicKey, nonce);
    assert.equal(verifyProof(relay.privateKey, agent.publicKey, nonce, good), true);
    assert.equal(verifyProof(relay.privateKey, agent.publicKey, Buffer.alloc(32, 2), good), false);
    assert.equal(verifyProof(relay.privateKey, agent.publicKey, nonce, computeProof(thief.privateKey, relay.publicKey, nonce)), false);
    assert.equal(verifyProof(relay.privateKey, agent.publicKey, nonce, computeProof(agent.privateKey, thief.publicKey, nonce)), false);
  });

  it('never throws on hostile input: wrong lengths and low-order keys are just false', () => {
    const relay = generateRawKeyPair();
    assert.equal(verifyProof(relay.privateKey, Buffer.alloc(32), nonce, Buffer.alloc(32)), false);
    assert.equal(verifyProof(relay.privateKey, Buffer.alloc(31), nonce, Buffer.alloc(32)), false);
    assert.equal(verifyProof(relay.privateKey, relay.publicKey, nonce, Buffer.alloc(5)), false);
    assert.throws(() => computeProof(relay.privateKey, Buffer.alloc(32), nonce), (e: unknown) => e instanceof RelayAuthError && e.code === 'auth-failed');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.uint8Array({ minLength: 0, maxLength: 40 }), (k, p) => {
        assert.equal(verifyProof(relay.privateKey, k, nonce, p), false);
      }),
      { numRuns: 200 },
    );
  });
});
