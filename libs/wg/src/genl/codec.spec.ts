import assert from 'node:assert/strict';
import { WgKey } from '../key/key';
import { decodeDeviceDump, decodeSockaddr, encodeGetDevice, encodeSetDevice, encodeSockaddr, GenlDecodeError, parseAttrs, WGPEER_A } from './codec';

// Byte layouts written out by hand from include/uapi/linux/wireguard.h: attribute header is
// u16 length (incl. header, excl. padding), u16 type with NLA_F_NESTED = 0x8000; little-endian.
const hex = (s: string) => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');
const K1 = Buffer.alloc(32, 0x11);

describe('kernel WireGuard genl codec', () => {
  it('encodes GET_DEVICE as the interface name', () => {
    assert.equal(encodeGetDevice('wg0').toString('hex'), '08000200' + '77673000');
  });

  it('encodes SET_DEVICE byte for byte', () => {
    const [msg, ...rest] = encodeSetDevice('wg0', {
      listenPort: 51822,
      fwmark: 0x574b,
      peers: [{ publicKey: WgKey.fromBytes(K1), updateOnly: true, endpoint: '10.1.2.3:51820', persistentKeepaliveSec: 25, allowedIps: ['10.0.0.2/32'] }],
    });
    assert.equal(rest.length, 0);
    const expected = hex(`
      08000200 77673000                              # ifname "wg0"
      06000600 6eca0000                              # listen_port 51822, padded to 4
      08000700 4b570000                              # fwmark 0x574b
      70000880                                       # peers, nested, 112 bytes
        6c000080                                     # peer entry (type 0), nested, 108 bytes
          24000100 ${K1.toString('hex')}             # public key
          08000300 04000000                          # flags = UPDATE_ONLY
          14000400 0200ca6c 0a010203 0000000000000000  # endpoint: sockaddr_in 10.1.2.3:51820
          06000500 19000000                          # keepalive 25
          20000980                                   # allowedips, nested
            1c000080                                 # allowed IP entry
              06000100 02000000                      # family AF_INET
              08000200 0a000002                      # 10.0.0.2
              05000300 20000000                      # cidr mask 32
    `);
    assert.equal(msg.toString('hex'), expected.toString('hex'));
  });

  it('encodes a removal with only the key and REMOVE_ME', () => {
    const [msg] = encodeSetDevice('wg0', { peers: [{ publicKey: WgKey.fromBytes(K1), remove: true, allowedIps: ['10.0.0.0/8'] }] });
    assert.equal(msg.toString('hex'), `08000200 77673000 34000880 30000080 24000100${K1.toString('hex')} 08000300 01000000`.replace(/\s/g, ''));
  });

  it('encodes IPv6 sockaddrs with flowinfo before the address', () => {
    const b = encodeSockaddr('[fd00::1]:51822');
    assert.equal(b.toString('hex'), '0a00ca6e' + '00000000' + 'fd000000000000000000000000000001' + '00000000');
    assert.equal(decodeSockaddr(b), '[fd00::1]:51822');
    assert.equal(decodeSockaddr(Buffer.alloc(16)), undefined);
  });

  it('decodes a dump split over two messages, peers nested under type 0', () => {
    const timespec = Buffer.alloc(16);
    timespec.writeBigInt64LE(1_700_000_001n, 0);
    timespec.writeBigInt64LE(250_000_000n, 8);
    const ip = (a: string, m: string) => `1c000080 06000100 02000000 08000200 ${a} 05000300 ${m}000000`;
    const first = hex(`
      06000600 6eca0000  08000700 4b570000
      24000300 ${'22'.repeat(32)}
      ${(4 + 4 + 36 + 20 + 8 + 20 + 12 + 12 + 4 + 28).toString(16).padStart(2, '0')}000880
      ${(4 + 36 + 20 + 8 + 20 + 12 + 12 + 4 + 28).toString(16).padStart(2, '0')}000080
        24000100 ${K1.toString('hex')}
        14000400 0200ca6c 0a010203 0000000000000000
        06000500 19000000
        14000600 ${timespec.toString('hex')}
        0c000700 7b00000000000000
        0c000800 c801000000000000
        20000980 ${ip('0a000002', '20')}
    `);
    const second = hex(`
      4c000880
        48000080
          24000100 ${K1.toString('hex')}
          20000980 ${ip('0a0a0000', '10')}
    `);
    const d = decodeDeviceDump([first, second]);
    assert.equal(d.listenPort, 51822);
    assert.equal(d.fwmark, 0x574b);
    assert.equal(d.privateKey?.toHex(), '22'.repeat(32));
    assert.equal(d.peers.length, 1);
    assert.deepEqual(
      { ...d.peers[0], publicKey: d.peers[0].publicKey.toHex() },
      {
        publicKey: K1.toString('hex'), endpoint: '10.1.2.3:51820', persistentKeepaliveSec: 25, lastHandshakeMs: 1_700_000_001_250,
        rxBytes: 123, txBytes: 456, allowedIps: ['10.0.0.2/32', '10.10.0.0/16'],
      },
    );
  });

  it('splits huge updates and marks continuation fragments UPDATE_ONLY without replace', () => {
    const ips = Array.from({ length: 3000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const msgs = encodeSetDevice('wg0', {
      listenPort: 1,
      peers: [
        { publicKey: WgKey.fromBytes(K1), replaceAllowedIps: true, allowedIps: ips },
        { publicKey: WgKey.fromBytes(Buffer.alloc(32, 2)), allowedIps: ['192.168.0.0/16'] },
      ],
    });
    assert.ok(msgs.length > 3, `${msgs.length} messages`);
    assert.ok(msgs.every((m) => m.length <= 16 * 1024));
    const merged = decodeDeviceDump(msgs);
    assert.deepEqual(merged.peers[0].allowedIps, ips);
    assert.equal(merged.peers.length, 2);
    assert.equal(merged.listenPort, 1);
    const flags = msgs.flatMap((m) =>
      parseAttrs(m).filter((a) => a.type === 8).flatMap((a) => parseAttrs(a.data)).map((p) => parseAttrs(p.data).find((x) => x.type === WGPEER_A.FLAGS)?.data.readUInt32LE() ?? 0),
    );
    assert.equal(flags[0], 2, 'first fragment replaces');
    assert.ok(flags.slice(1, -1).every((f) => f === 4), 'continuations only update');
    assert.equal(flags.at(-1), 0, 'second peer is created normally');
  });

  it('rejects malformed kernel messages with a typed error', () => {
    for (const bad of ['0300', '0800020077', '08000880 04000080', '0c000880 08000080 04000100', '24000300 1111']) {
      assert.throws(() => decodeDeviceDump([hex(bad)]), GenlDecodeError, bad);
    }
  });
});
