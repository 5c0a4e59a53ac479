import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidAddressError } from './config/ip';
import { decodeDeviceDump, encodeSetDevice, GenlDecodeError } from './genl/codec';
import { InvalidKeyError, WgKey } from './key/key';
import { parseUapiGet, UapiErrnoError, UapiProtocolError } from './uapi/codec';

// Whatever a daemon or the kernel sends, decoding either succeeds or throws one of the typed
// errors — never a TypeError/RangeError that would escape as a crash.
describe('codec fuzzing', () => {
  it('UAPI get replies: random lines and mutations only raise typed errors', () => {
    const line = fc.oneof(
      fc.constantFrom('listen_port', 'fwmark', 'private_key', 'public_key', 'endpoint', 'allowed_ip', 'rx_bytes', 'tx_bytes',
        'last_handshake_time_sec', 'last_handshake_time_nsec', 'persistent_keepalive_interval', 'preshared_key', 'protocol_version', 'errno')
        .chain((k) => fc.oneof(fc.string(), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a).toString('hex')), fc.nat().map(String)).map((v) => `${k}=${v}`)),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, withErrno) => {
        const reply = `${lines.join('\n')}${withErrno ? '\nerrno=0' : ''}\n\n`;
        try {
          parseUapiGet(reply);
        } catch (err) {
          assert.ok(err instanceof UapiProtocolError || err instanceof UapiErrnoError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('genl dumps: random bytes and bit-flipped real messages only raise typed errors', () => {
    const real = encodeSetDevice('wg0', {
      listenPort: 51822,
      peers: [{ publicKey: WgKey.fromBytes(Buffer.alloc(32, 7)), endpoint: '[fd00::1]:5', allowedIps: ['10.0.0.0/8', 'fd00::/64'] }],
    })[0];
    const mutated = fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((flips) => {
      const b = Buffer.from(real);
      for (const [i, v] of flips) b[i] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), mutated), (buf) => {
        try {
          decodeDeviceDump([buf]);
        } catch (err) {
          assert.ok(err instanceof GenlDecodeError || err instanceof InvalidAddressError || err instanceof InvalidKeyError, String(err));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
