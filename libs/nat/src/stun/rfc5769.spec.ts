import assert from 'node:assert/strict';
import { StunClass } from './constants';
import { encodeStun, decodeStun, findAttribute, verifyIntegrity, type StunMessage } from './message';
import { StunDecodeError } from './errors';

// The sample messages of RFC 5769 §2, transcribed from the RFC's hex dumps. Their padding bytes
// are deliberately spaces (0x20), which a receiver must ignore.
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const request = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);

const ipv4Response = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);

const ipv6Response = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);

// RFC 5769 §2: short-term credential password of all three samples.
const password = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');

/** Re-encodes without MESSAGE-INTEGRITY/FINGERPRINT, letting the encoder recompute them. */
function reencode(m: StunMessage): Buffer {
  const attributes = m.attributes.filter((a) => a.kind !== 'message-integrity' && a.kind !== 'fingerprint');
  return encodeStun({ ...m, attributes }, { integrityKey: password, fingerprint: true });
}

describe('STUN codec on the RFC 5769 test vectors', () => {
  it('decodes the sample request, verifying FINGERPRINT and MESSAGE-INTEGRITY', () => {
    const m = decodeStun(request);
    assert.equal(m.cls, StunClass.Request);
    assert.equal(m.method, 1);
    assert.equal(m.transactionId.toString('hex'), 'b7e7a701bc34d686fa87dfae');
    assert.equal(findAttribute(m, 'software')?.text, 'STUN test client');
    assert.equal(findAttribute(m, 'username')?.text, 'evtj:h6vY');
    // PRIORITY and ICE-CONTROLLED are ICE attributes this codec keeps raw.
    assert.deepEqual(
      m.attributes.filter((a) => a.kind === 'other').map((a) => (a.kind === 'other' ? a.type : 0)),
      [0x0024, 0x8029],
    );
    assert.equal(verifyIntegrity(request, password), true);
    assert.equal(verifyIntegrity(request, Buffer.from('wrong')), false);
  });

  it('decodes the IPv4 response: XOR-MAPPED-ADDRESS is 192.0.2.1:32853', () => {
    const m = decodeStun(ipv4Response);
    assert.equal(m.cls, StunClass.SuccessResponse);
    assert.deepEqual(findAttribute(m, 'xor-mapped-address')?.address, { ip: '192.0.2.1', port: 32853 });
    assert.equal(findAttribute(m, 'software')?.text, 'test vector');
    assert.equal(verifyIntegrity(ipv4Response, password), true);
  });

  it('decodes the IPv6 response: XOR-MAPPED-ADDRESS is [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const m = decodeStun(ipv6Response);
    assert.deepEqual(findAttribute(m, 'xor-mapped-address')?.address, { ip: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    assert.equal(verifyIntegrity(ipv6Response, password), true);
  });

  it('re-encodes the responses to the same bytes apart from the space padding', () => {
    for (const vector of [ipv4Response, ipv6Response]) {
      const again = reencode(decodeStun(vector));
      assert.equal(again.length, vector.length);
      // Our padding is zeros where the RFC put a space (SOFTWARE's 12th byte). With that byte
      // normalised, everything before MESSAGE-INTEGRITY must be identical, and the recomputed
      // HMAC and CRC must verify.
      const normalised = Buffer.from(vector);
      normalised[20 + 4 + 11] = 0;
      const integrityAt = vector.length - 24 - 8;
      assert.equal(again.subarray(0, integrityAt).toString('hex'), normalised.subarray(0, integrityAt).toString('hex'));
      assert.equal(verifyIntegrity(again, password), true);
      assert.doesNotThrow(() => decodeStun(again));
    }
  });

  it('rejects a vector with one flipped bit with a precise FINGERPRINT error', () => {
    const broken = Buffer.from(ipv4Response);
    broken[33]! ^= 0x01; // inside XOR-MAPPED-ADDRESS
    assert.throws(() => decodeStun(broken), (e: unknown) => e instanceof StunDecodeError && e.reason === 'bad-fingerprint');
    assert.equal(verifyIntegrity(broken, password), false);
  });
});
