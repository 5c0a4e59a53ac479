import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { nullLogger, seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { FakeUdpNetwork } from '@wirekube/wg/testing';
import { epermSafeProxySockets, RelayProxy, type RelayTransport } from './index';

/** A relay transport that records sends and lets the test inject received datagrams. */
class FakeTransport implements RelayTransport {
  sent: Array<[string, string]> = [];
  present = new Set<string>();
  private fn: (src: Buffer, data: Buffer) => void = () => {};
  send(dst: Uint8Array, d: Uint8Array): boolean {
    if (!this.present.has(Buffer.from(dst).toString('hex'))) return false;
    this.sent.push([Buffer.from(dst).toString('hex').slice(0, 4), Buffer.from(d).toString()]);
    return true;
  }
  onDatagram(fn: (src: Buffer, data: Buffer) => void) {
    this.fn = fn;
    return () => (this.fn = () => {});
  }
  deliver(src: Buffer, data: string) {
    this.fn(src, Buffer.from(data));
  }
}

describe('relay proxy', () => {
  const peerA = Buffer.alloc(32, 0xa1);
  const peerB = Buffer.alloc(32, 0xb2);

  async function rig() {
    const net = new FakeUdpNetwork();
    const clock = new FakeClock(0);
    const wg = net.factory();
    await wg.bind(51822, '127.0.0.1');
    const atWg: Array<[number, string]> = [];
    wg.onMessage((d, from) => atWg.push([from.port, d.toString()]));
    const transport = new FakeTransport();
    const proxy = new RelayProxy({
      transport,
      wgHost: '127.0.0.1',
      wgPort: 51822,
      logger: nullLogger,
      socketFactory: epermSafeProxySockets({ factory: net.factory, clock, rng: seededRng(1) }),
    });
    return { net, clock, wg, atWg, transport, proxy };
  }

  it('gives each peer its own stable loopback endpoint and bridges both directions', async () => {
    const r = await rig();
    const ea = await r.proxy.addPeer(peerA);
    const eb = await r.proxy.addPeer(peerB);
    assert.deepEqual(await r.proxy.addPeer(peerA), ea, 'idempotent');
    assert.notEqual(ea.port, eb.port);
    assert.equal(ea.ip, '127.0.0.1');
    r.transport.present.add(peerA.toString('hex'));
    // WireGuard sends to peer A's endpoint → framed to A's key.
    await r.wg.send(Buffer.from('handshake-init'), { address: '127.0.0.1', port: ea.port });
    await r.wg.send(Buffer.from('to-b'), { address: '127.0.0.1', port: eb.port });
    assert.deepEqual(r.transport.sent, [['a1a1', 'handshake-init']]);
    assert.equal(r.proxy.counters.notSent, 1, 'B is not present on any replica');
    // The relay delivers from B → WireGuard sees it come from B's endpoint.
    r.transport.deliver(peerB, 'from-b');
    r.transport.deliver(Buffer.alloc(32, 0xcc), 'stranger');
    await Promise.resolve();
    assert.deepEqual(r.atWg, [[eb.port, 'from-b']]);
    assert.deepEqual(r.proxy.counters, { toRelay: 1, notSent: 1, fromRelay: 1, unknownSource: 1 });
  });

  it('keeps the endpoint across EPERM (socket re-created on the same port)', async () => {
    const r = await rig();
    const ea = await r.proxy.addPeer(peerA);
    r.net.failSends(ea.port, 'EPERM');
    r.transport.deliver(peerA, 'lost');
    await Promise.resolve();
    r.net.heal(ea.port);
    await r.clock.advance(1000);
    r.transport.deliver(peerA, 'after');
    await Promise.resolve();
    assert.deepEqual(r.atWg, [[ea.port, 'after']]);
    assert.deepEqual(r.proxy.endpointOf(peerA), ea);
  });

  it('removePeer and close release the sockets', async () => {
    const r = await rig();
    const ea = await r.proxy.addPeer(peerA);
    const eb = await r.proxy.addPeer(peerB);
    for (const [k, d] of [[peerA, 'a1'], [peerA, 'a2'], [peerB, 'b1'], [peerA, 'a3']] as const) r.transport.deliver(k, d);
    await Promise.resolve();
    assert.deepEqual(r.atWg, [[ea.port, 'a1'], [ea.port, 'a2'], [eb.port, 'b1'], [ea.port, 'a3']], 'each source from its own endpoint');
    r.proxy.removePeer(peerA);
    assert.equal(r.proxy.endpointOf(peerA), undefined);
    r.transport.deliver(peerA, 'x');
    assert.equal(r.proxy.counters.unknownSource, 1, 'the last source seen is forgotten with its endpoint');
    const again = await r.proxy.addPeer(peerA);
    assert.notEqual(again.port, ea.port);
    r.proxy.close();
    r.transport.deliver(peerA, 'y');
    assert.equal(r.proxy.counters.unknownSource, 1, 'unsubscribed');
  });

  it('real loopback sockets absorb a WireGuard burst while the event loop is busy', async () => {
    const wg = createSocket('udp4');
    await new Promise<void>((res) => wg.bind(0, '127.0.0.1', () => res()));
    const transport = new FakeTransport();
    transport.present.add(peerA.toString('hex'));
    const proxy = new RelayProxy({ transport, wgHost: '127.0.0.1', wgPort: wg.address().port, logger: nullLogger });
    try {
      const ep = await proxy.addPeer(peerA);
      const pkt = Buffer.alloc(1400, 7);
      let sent = 0;
      for (let i = 0; i < 400; i++) wg.send(pkt, ep.port, '127.0.0.1', () => sent++);
      // Block the loop (as a busy agent would) while the burst lands in the socket buffer.
      const until = Date.now() + 100;
      while (Date.now() < until);
      const deadline = Date.now() + 3000;
      while (transport.sent.length < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sent, 400);
      assert.equal(transport.sent.length, 400, 'no datagram lost to a full socket buffer');
    } finally {
      proxy.close();
      wg.close();
    }
  });
});
