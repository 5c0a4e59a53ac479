import assert from 'node:assert/strict';
import { WgKey } from '../key/key';
import { encodeUapiSet, parseUapiGet, UapiErrnoError, UapiProtocolError } from './codec';

// Captured from wireguard-go 0.0.20220316 after configuring one peer.
const REAL_GET_REPLY = `private_key=903e3b1aaf969e6ea11bb073e80511796d7dfba0037d09fccb87096a7b4fe777
listen_port=51822
fwmark=22347
public_key=f3d976ad702e8b6cf2f497df0f669ba51ac459cf0b908a528b4406d22c869f31
preshared_key=0000000000000000000000000000000000000000000000000000000000000000
protocol_version=1
endpoint=10.1.2.3:51822
last_handshake_time_sec=1700000001
last_handshake_time_nsec=250000000
tx_bytes=1234
rx_bytes=5678
persistent_keepalive_interval=25
allowed_ip=10.0.0.2/32
allowed_ip=10.10.0.0/16
errno=0

`;

describe('UAPI codec', () => {
  it('parses a real get reply', () => {
    const d = parseUapiGet(REAL_GET_REPLY);
    assert.equal(d.privateKey?.toHex(), '903e3b1aaf969e6ea11bb073e80511796d7dfba0037d09fccb87096a7b4fe777');
    assert.equal(d.listenPort, 51822);
    assert.equal(d.fwmark, 0x574b);
    assert.equal(d.peers.length, 1);
    const p = d.peers[0];
    assert.equal(p.publicKey.toBase64(), '89l2rXAui2zy9JffD2abpRrEWc8LkIpSi0QG0iyGnzE=');
    assert.equal(p.presharedKey, undefined);
    assert.equal(p.endpoint, '10.1.2.3:51822');
    assert.equal(p.lastHandshakeMs, 1_700_000_001_250);
    assert.deepEqual([p.rxBytes, p.txBytes, p.persistentKeepaliveSec], [5678, 1234, 25]);
    assert.deepEqual(p.allowedIps, ['10.0.0.2/32', '10.10.0.0/16']);
  });

  it('parses an empty device and IPv6 endpoints', () => {
    assert.deepEqual(parseUapiGet('listen_port=0\nerrno=0\n\n'), { listenPort: 0, fwmark: 0, peers: [] });
    const d = parseUapiGet(`public_key=${'11'.repeat(32)}\nendpoint=[fd00::1]:51822\nallowed_ip=fd00::/64\nerrno=0\n\n`);
    assert.equal(d.peers[0].endpoint, '[fd00::1]:51822');
    assert.deepEqual(d.peers[0].allowedIps, ['fd00::/64']);
  });

  it('encodes a set request with update_only right after public_key', () => {
    const a = WgKey.fromBytes(Buffer.alloc(32, 1));
    const b = WgKey.fromBytes(Buffer.alloc(32, 2));
    const text = encodeUapiSet({
      privateKey: WgKey.fromBytes(Buffer.alloc(32, 3)),
      listenPort: 51822,
      fwmark: 0x574b,
      peers: [
        { publicKey: a, updateOnly: true, endpoint: '[fd00::1]:5', persistentKeepaliveSec: 0, replaceAllowedIps: true, allowedIps: ['10.0.0.0/8'] },
        { publicKey: b, remove: true, allowedIps: ['ignored/1'] },
      ],
    });
    assert.equal(
      text,
      [
        'set=1',
        `private_key=${'03'.repeat(32)}`,
        'listen_port=51822',
        'fwmark=22347',
        `public_key=${'01'.repeat(32)}`,
        'update_only=true',
        'endpoint=[fd00::1]:5',
        'persistent_keepalive_interval=0',
        'replace_allowed_ips=true',
        'allowed_ip=10.0.0.0/8',
        `public_key=${'02'.repeat(32)}`,
        'remove=true',
        '',
        '',
      ].join('\n'),
    );
  });

  it('turns errors and garbage into typed errors', () => {
    assert.throws(() => parseUapiGet('errno=-22\n\n'), (e: unknown) => e instanceof UapiErrnoError && e.errno === -22);
    for (const bad of ['', 'listen_port=1\n\n', 'no-equals\nerrno=0\n\n', 'listen_port=99999\nerrno=0\n\n',
      `public_key=zz\nerrno=0\n\n`, `public_key=${'11'.repeat(32)}\nendpoint=nowhere\nerrno=0\n\n`,
      `public_key=${'11'.repeat(32)}\nallowed_ip=10.0.0.0/40\nerrno=0\n\n`, `public_key=${'11'.repeat(32)}\nrx_bytes=-1\nerrno=0\n\n`]) {
      assert.throws(() => parseUapiGet(bad), UapiProtocolError, JSON.stringify(bad));
    }
  });

  it('skips keys it does not know (newer implementations add some)', () => {
    assert.equal(parseUapiGet('listen_port=7\nfuture_key=x\nerrno=0\n\n').listenPort, 7);
  });
});
