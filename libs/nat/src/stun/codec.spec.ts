import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRng } from '@wirekube/util';
import { bindingRequest, readBindingResult } from './binding';
import { BINDING_METHOD, MAGIC_COOKIE, StunClass } from './constants';
import { NotStunError, StunDecodeError, StunEncodeError, StunError } from './errors';
import { decodeStun, encodeStun, messageType, type StunMessage } from './message';
import { ipFromBytes, ipToBytes, parseAddress } from '../net/address';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const tid = hex('0102030405060708090a0b0c');

function reason(e: unknown): string {
  return e instanceof NotStunError || e instanceof StunDecodeError ? e.reason : `not a codec error: ${String(e)}`;
}

describe('STUN codec', () => {
  it('encodes a Binding request with CHANGE-REQUEST to the exact bytes', () => {
    const bytes = encodeStun(bindingRequest({ transactionId: tid, changeIp: true, changePort: true }));
    assert.equal(bytes.toString('hex'), '0001000821' + '12a442' + '0102030405060708090a0b0c' + '00030004' + '00000006');
  });

  it('encodes a classic RFC 3489 request: 128-bit transaction id, no cookie', () => {
    const bytes = encodeStun(bindingRequest({ transactionId: tid, classicCookie: 0xdeadbeef, changePort: true }));
    assert.equal(bytes.toString('hex'), '00010008' + 'deadbeef' + '0102030405060708090a0b0c' + '00030004' + '00000002');
    const m = decodeStun(bytes);
    assert.equal(m.cookie, 0xdeadbeef);
    assert.deepEqual(m.attributes, [{ kind: 'change-request', changeIp: false, changePort: true }]);
  });

  it('encodes a success response with every address attribute and reads it back', () => {
    const msg: StunMessage = {
      method: BINDING_METHOD,
      cls: StunClass.SuccessResponse,
      cookie: MAGIC_COOKIE,
      transactionId: tid,
      attributes: [
        { kind: 'xor-mapped-address', address: { ip: '203.0.113.7', port: 40000 } },
        { kind: 'mapped-address', address: { ip: '203.0.113.7', port: 40000 } },
        { kind: 'response-origin', address: { ip: '198.51.100.1', port: 3478 } },
        { kind: 'other-address', address: { ip: '198.51.100.2', port: 3479 } },
        { kind: 'software', text: 'wirekube' },
      ],
    };
    const bytes = encodeStun(msg, { fingerprint: true });
    // XOR-MAPPED-ADDRESS: port 40000 ^ 0x2112 = 0xbd52, 203.0.113.7 ^ 0x2112a442 = 0xea12d545.
    assert.equal(bytes.subarray(20, 32).toString('hex'), '00200008' + '0001bd52' + 'ea12d545');
    assert.equal(bytes.subarray(32, 44).toString('hex'), '00010008' + '00019c40' + 'cb007107');
    const back = decodeStun(bytes);
    assert.deepEqual(back.attributes.slice(0, 5), msg.attributes);
    assert.deepEqual(readBindingResult(back), {
      mapped: { ip: '203.0.113.7', port: 40000 },
      origin: { ip: '198.51.100.1', port: 3478 },
      other: { ip: '198.51.100.2', port: 3479 },
    });
  });

  it('round-trips error codes, unknown attributes, response port, padding and raw attributes', () => {
    const msg: StunMessage = {
      method: BINDING_METHOD,
      cls: StunClass.ErrorResponse,
      cookie: MAGIC_COOKIE,
      transactionId: tid,
      attributes: [
        { kind: 'error-code', code: 420, reason: 'Unknown Attribute' },
        { kind: 'unknown-attributes', types: [0x7777, 0x0024] },
        { kind: 'response-port', port: 5000 },
        { kind: 'padding', length: 7 },
        { kind: 'other', type: 0x7777, value: hex('abcdef') },
      ],
    };
    const bytes = encodeStun(msg);
    assert.equal(bytes.subarray(20, 28).toString('hex'), '00090015' + '00000414');
    assert.deepEqual(decodeStun(bytes), msg);
  });

  it('maps method and class bits as RFC 8489 §5 interleaves them', () => {
    assert.equal(messageType(1, StunClass.Request), 0x0001);
    assert.equal(messageType(1, StunClass.Indication), 0x0011);
    assert.equal(messageType(1, StunClass.SuccessResponse), 0x0101);
    assert.equal(messageType(1, StunClass.ErrorResponse), 0x0111);
    assert.equal(messageType(0xfff, StunClass.ErrorResponse), 0x3fff);
  });

  it('says precisely why bytes are not STUN', () => {
    const cases: [string, Buffer][] = [
      ['too-short', hex('0001000021')],
      ['top-bits-set', Buffer.concat([hex('c0010000'), Buffer.alloc(16)])],
      ['bad-length', hex('00010002 2112a442 0102030405060708090a0b0c 0000')],
      // A WireGuard handshake initiation: type 1, three zero bytes, 144 more bytes.
      ['not-binding', Buffer.concat([hex('01000000'), Buffer.alloc(144)])],
      ['bad-length', hex('00010004 deadbeef 0102030405060708090a0b0c')],
    ];
    for (const [want, bytes] of cases) {
      assert.throws(() => decodeStun(bytes), (e: unknown) => e instanceof NotStunError && reason(e) === want, want);
    }
  });

  it('says precisely why a STUN message is malformed', () => {
    const h = (len: number) => `0101${len.toString(16).padStart(4, '0')}2112a442${tid.toString('hex')}`;
    const cases: [string, string][] = [
      ['length-mismatch', h(8) + '80220000'],
      ['truncated-attribute', h(4) + '80220004'],
      ['bad-attribute-length', h(12) + '00200006' + '00010000' + '0000' + '0000'],
      ['bad-address-family', h(12) + '00200008' + '00030000' + '00000000'],
      ['bad-error-code', h(8) + '00090004' + '00000263'],
      ['bad-attribute-length', h(8) + '00030002' + '00000000'],
      ['bad-fingerprint', h(8) + '80280004' + '00000000'],
    ];
    for (const [want, text] of cases) {
      assert.throws(() => decodeStun(hex(text)), (e: unknown) => e instanceof StunDecodeError && e.reason === want, want);
    }
    const withFp = encodeStun(bindingRequest({ transactionId: tid }), { fingerprint: true });
    const after = Buffer.concat([withFp, hex('80220000')]);
    after.writeUInt16BE(after.length - 20, 2);
    assert.throws(() => decodeStun(after), /follows FINGERPRINT/);
  });

  it('refuses to encode what cannot be valid', () => {
    const base = { method: 1, cls: StunClass.SuccessResponse, cookie: MAGIC_COOKIE, transactionId: tid };
    assert.throws(() => encodeStun({ ...base, attributes: [{ kind: 'mapped-address', address: { ip: 'nope', port: 1 } }] }), StunEncodeError);
    assert.throws(() => encodeStun({ ...base, attributes: [{ kind: 'mapped-address', address: { ip: '1.2.3.4', port: 70000 } }] }), StunEncodeError);
    assert.throws(() => encodeStun({ ...base, attributes: [{ kind: 'fingerprint', crc: 0 }] }), StunEncodeError);
    assert.throws(() => encodeStun({ ...base, transactionId: Buffer.alloc(16), attributes: [] }), StunEncodeError);
  });

  it('formats and parses addresses canonically', () => {
    assert.equal(ipFromBytes(ipToBytes('2001:db8::1')), '2001:db8::1');
    assert.equal(ipFromBytes(ipToBytes('::ffff:10.0.0.1')), '::ffff:a00:1');
    assert.equal(ipFromBytes(ipToBytes('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
    assert.equal(ipFromBytes(ipToBytes('1:0:2:3:4:5:6:7')), '1:0:2:3:4:5:6:7');
    assert.deepEqual(parseAddress('[2001:DB8::1]:3478'), { ip: '2001:db8::1', port: 3478 });
    assert.deepEqual(parseAddress('10.0.0.1', 3478), { ip: '10.0.0.1', port: 3478 });
    assert.equal(parseAddress('stun.example.com:3478'), undefined);
    assert.equal(parseAddress('10.0.0.1:99999'), undefined);
  });

  it('never throws anything but its own errors on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeStun(bytes);
        } catch (e) {
          if (!(e instanceof StunError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but its own errors on mutated valid messages', () => {
    // Random bytes rarely get past the header; mutating real messages exercises the attribute parser.
    const rng = seededRng(5);
    const seed = encodeStun(
      { method: 1, cls: StunClass.SuccessResponse, cookie: MAGIC_COOKIE, transactionId: tid, attributes: [
        { kind: 'xor-mapped-address', address: { ip: '2001:db8::7', port: 1 } },
        { kind: 'error-code', code: 400, reason: 'x' },
        { kind: 'other-address', address: { ip: '10.0.0.1', port: 2 } },
        { kind: 'unknown-attributes', types: [1] },
      ] },
      { fingerprint: true, integrityKey: Buffer.from('k') },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.boolean(), (edits, dropFingerprint) => {
        const b = Buffer.from(dropFingerprint ? seed.subarray(0, seed.length - 8) : seed);
        if (dropFingerprint) b.writeUInt16BE(b.length - 20, 2);
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        try {
          decodeStun(b);
        } catch (e) {
          if (!(e instanceof StunError)) throw e;
        }
      }),
      { numRuns: 3000, seed: rng.int(0, 2 ** 31) },
    );
  });
});
