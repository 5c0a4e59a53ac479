import { strict as assert } from 'node:assert';
import { encodeProbe, openDgramPort, type TransportAddress, type UdpPort } from '@wirekube/nat';
import { nullLogger } from '@wirekube/util';
import { birthdayToken, WgBridge } from './birthday';

describe('birthday attack: token and WireGuard bridge', () => {
  it('derives the same 16-byte token on both sides, and another for another punch', () => {
    const t = birthdayToken('7', 'keyA', 'keyB');
    assert.equal(t.length, 16);
    assert.deepEqual(birthdayToken('7', 'keyB', 'keyA'), t);
    assert.notDeepEqual(birthdayToken('8', 'keyA', 'keyB'), t);
  });

  it('forwards WireGuard datagrams both ways between loopback and the punched socket, and drops probes and strangers', async () => {
    const ports: UdpPort[] = [];
    const open = async (ip = '127.0.0.1') => {
      const p = await openDgramPort({ ip });
      ports.push(p);
      return p;
    };
    const received = (p: UdpPort) => {
      const got: Array<{ data: string; from: TransportAddress }> = [];
      p.onMessage((data, from) => got.push({ data: Buffer.from(data).toString(), from }));
      return got;
    };
    const wg = await open();
    const punched = await open();
    const peer = await open('127.0.0.2');
    const stranger = await open('127.0.0.3');
    const atWg = received(wg);
    const atPeer = received(peer);
    const bridge = await WgBridge.open({ punched, remote: peer.local, wgPort: wg.local.port, logger: nullLogger });
    try {
      await wg.send(Buffer.from('handshake-init'), { ip: bridge.endpoint.host, port: bridge.endpoint.port });
      await peer.send(Buffer.from('handshake-resp'), punched.local);
      await peer.send(encodeProbe('probe', Buffer.alloc(16), 1), punched.local);
      await stranger.send(Buffer.from('spoof'), punched.local);
      const deadline = Date.now() + 2000;
      while ((atPeer.length < 1 || atWg.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(atPeer.map((m) => [m.data, m.from.port]), [['handshake-init', punched.local.port]], 'the peer sees WireGuard traffic from the punched socket');
      assert.deepEqual(atWg.map((m) => [m.data, m.from.port]), [['handshake-resp', bridge.endpoint.port]], 'WireGuard sees the peer at the bridge endpoint; probes and strangers never reach it');
    } finally {
      await bridge.close();
      await Promise.all(ports.map((p) => p.close()));
    }
  });
});
