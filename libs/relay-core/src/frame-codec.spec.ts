import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FrameDecoder,
  FrameType,
  RelayProtocolError,
  decodeError,
  decodeRegister,
  encodeAddressed,
  encodeError,
  encodeFrame,
  encodeRegister,
  type FrameType as FrameTypeValue,
} from './index';

const key = (b: number) => Buffer.alloc(32, b);

function decodeAll(chunks: Buffer[], max?: number): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const d = new FrameDecoder((t, p) => out.push([t, p.toString('hex')]), max);
  for (const c of chunks) d.push(c);
  return out;
}

describe('relay frame codec', () => {
  it('matches the golden vectors', () => {
    assert.equal(
      encodeRegister({ version: 1, publicKey: key(0xaa), token: key(0x55) }).toString('hex'),
      '0100000045' + '574b524c' + '01' + 'aa'.repeat(32) + '55'.repeat(32),
    );
    assert.equal(
      encodeAddressed(FrameType.Send, key(0x11), Buffer.from('dead', 'hex')).toString('hex'),
      '0300000022' + '11'.repeat(32) + 'dead',
    );
    assert.equal(encodeAddressed(FrameType.Recv, key(0x22), Buffer.alloc(0)).toString('hex'), '0400000020' + '22'.repeat(32));
    assert.equal(encodeFrame(FrameType.Registered).toString('hex'), '0200000000');
    assert.equal(encodeFrame(FrameType.Ping, Buffer.from('0102030405060708', 'hex')).toString('hex'), '05000000080102030405060708');
    assert.equal(encodeError('auth-failed', 'no').toString('hex'), '070000000e0b617574682d6661696c65646e6f');
  });

  it('decodes the golden vectors back', () => {
    const reg = decodeRegister(Buffer.from('574b524c' + '01' + 'aa'.repeat(32) + '55'.repeat(32), 'hex'));
    assert.deepEqual(reg, { version: 1, publicKey: key(0xaa), token: key(0x55) });
    assert.deepEqual(decodeError(Buffer.from('0b617574682d6661696c65646e6f', 'hex')), { code: 'auth-failed', message: 'no' });
  });

  it('rejects malformed REGISTER and ERROR payloads with typed errors', () => {
    assert.throws(() => decodeRegister(Buffer.alloc(69)), (e: unknown) => e instanceof RelayProtocolError && e.code === 'bad-register');
    assert.throws(() => decodeRegister(Buffer.from('WKRL')), /REGISTER payload/);
    assert.throws(() => decodeError(Buffer.from([5, 0x61])), (e: unknown) => e instanceof RelayProtocolError && e.code === 'bad-error-frame');
    assert.throws(() => encodeAddressed(FrameType.Send, Buffer.alloc(31), Buffer.alloc(1)), /32 bytes/);
  });

  it('reassembles frames split across chunks at every byte boundary', () => {
    const stream = Buffer.concat([
      encodeAddressed(FrameType.Send, key(1), Buffer.from('hello')),
      encodeFrame(FrameType.Ping, Buffer.alloc(8, 7)),
      encodeAddressed(FrameType.Send, key(2), Buffer.alloc(300, 9)),
    ]);
    const whole = decodeAll([stream]);
    assert.equal(whole.length, 3);
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(decodeAll([stream.subarray(0, i), stream.subarray(i)]), whole, `split at ${i}`);
    }
  });

  it('refuses oversized lengths before buffering them, unknown types and short addressed frames', () => {
    const big = Buffer.from('03ffffffff', 'hex');
    assert.throws(() => decodeAll([big]), (e: unknown) => e instanceof RelayProtocolError && e.code === 'oversized');
    assert.throws(() => decodeAll([encodeFrame(FrameType.Send, Buffer.alloc(101))], 100), /exceeds 100/);
    assert.throws(() => decodeAll([Buffer.from('ee00000000', 'hex')]), (e: unknown) => e instanceof RelayProtocolError && e.code === 'unknown-frame-type');
    assert.throws(() => decodeAll([Buffer.from('0300000001aa', 'hex')]), (e: unknown) => e instanceof RelayProtocolError && e.code === 'short-frame');
    const d = new FrameDecoder(() => {});
    assert.throws(() => d.push(big));
    assert.throws(() => d.push(Buffer.alloc(0)), /already failed/);
  });

  it('checks a header split across chunks before buffering the frame it announces', () => {
    const d = new FrameDecoder(() => {}, 100);
    d.push(Buffer.from('03ff', 'hex'));
    assert.equal(d.buffered, 2);
    assert.throws(() => d.push(Buffer.from('ffffff', 'hex')), (e: unknown) => e instanceof RelayProtocolError && e.code === 'oversized');
  });

  it('hands out frames wholly inside a chunk as views of it, and copies only the split frame', () => {
    const a = encodeAddressed(FrameType.Recv, key(1), Buffer.alloc(100, 1));
    const b = encodeAddressed(FrameType.Recv, key(2), Buffer.alloc(100, 2));
    const chunk = Buffer.concat([a, b.subarray(0, 50)]);
    const seen: Buffer[] = [];
    const d = new FrameDecoder((_t, p) => seen.push(p));
    d.push(chunk);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.buffer, chunk.buffer, 'first frame is a view of the chunk');
    assert.equal(d.buffered, 50);
    d.push(Buffer.concat([b.subarray(50), a]));
    assert.equal(seen.length, 3);
    assert.deepEqual(seen[1], b.subarray(5));
    assert.equal(d.buffered, 0);
  });

  it('fuzz: any frame sequence survives arbitrary chunking', () => {
    const frame = fc.oneof(
      fc.tuple(fc.constantFrom<FrameTypeValue>(FrameType.Send, FrameType.Recv), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }))
        .map(([t, k, d]) => encodeAddressed(t as typeof FrameType.Send, k, d)),
      fc.uint8Array({ maxLength: 40 }).map((p) => encodeFrame(FrameType.Ping, p)),
      fc.string({ maxLength: 20 }).map((m) => encodeError('x', m)),
    );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, cuts) => {
        const stream = Buffer.concat(frames);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(stream.subarray(prev, p));
          prev = p;
        }
        chunks.push(stream.subarray(prev));
        const got = decodeAll(chunks);
        assert.deepEqual(got, frames.map((f) => [f[0], f.subarray(5).toString('hex')]));
      }),
    );
  });

  it('fuzz: garbage either decodes or fails with RelayProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const d = new FrameDecoder(() => {}, 1000);
        try {
          d.push(Buffer.from(bytes));
        } catch (e) {
          assert.ok(e instanceof RelayProtocolError, String(e));
        }
        assert.ok(d.buffered <= 1005);
      }),
    );
  });
});
