import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { FakeUdpNetwork } from '../testing';
import { EpermSafeUdpSocket } from './eperm-safe-socket';
import { dgramSocketFactory } from './udp-port';

describe('EpermSafeUdpSocket', () => {
  function rig() {
    const net = new FakeUdpNetwork();
    const clock = new FakeClock(0);
    const got: string[] = [];
    const peer = net.factory();
    let epermHook = 0;
    const s = new EpermSafeUdpSocket({
      factory: net.factory,
      localAddress: '127.0.0.1',
      localPort: 0,
      remote: { address: '127.0.0.1', port: 51822 },
      clock,
      rng: seededRng(1),
      recreateBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
      onEperm: () => epermHook++,
    });
    return { net, clock, got, peer, s, epermHook: () => epermHook };
  }

  it('re-creates the socket on the same port after EPERM and counts it', async () => {
    const r = rig();
    await r.peer.bind(51822, '127.0.0.1');
    r.peer.onMessage((d) => r.got.push(d.toString()));
    await r.s.open();
    const port = r.s.localPort;
    assert.equal(await r.s.send(Buffer.from('a')), true);

    r.net.failSends(port, 'EPERM');
    assert.equal(await r.s.send(Buffer.from('b')), false);
    assert.equal(r.s.healthy, false);
    assert.equal(await r.s.send(Buffer.from('c')), false, 'dropped while re-creating');
    await r.clock.advance(100);
    assert.equal(r.s.healthy, true);
    assert.equal(await r.s.send(Buffer.from('d')), false, 'still EPERM');
    await r.clock.advance(199);
    assert.equal(r.s.healthy, false, 'second delay is longer');
    r.net.heal(port);
    await r.clock.advance(1);
    assert.equal(await r.s.send(Buffer.from('e')), true);

    assert.deepEqual(r.got, ['a', 'e']);
    assert.deepEqual(r.s.stats(), { epermErrors: 2, recreations: 2, dropped: 3, sent: 2 });
    assert.equal(r.epermHook(), 2);
    assert.deepEqual(r.net.binds.slice(1), [`127.0.0.1:${port}`, `127.0.0.1:${port}`, `127.0.0.1:${port}`]);
  });

  it('keeps receiving on the re-created socket', async () => {
    const r = rig();
    await r.peer.bind(51822, '127.0.0.1');
    await r.s.open();
    r.s.onMessage((d) => r.got.push(d.toString()));
    r.net.failSends(r.s.localPort, 'EPERM');
    await r.s.send(Buffer.from('x'));
    r.net.heal(r.s.localPort);
    await r.clock.advance(100);
    await r.peer.send(Buffer.from('hello'), { address: '127.0.0.1', port: r.s.localPort });
    assert.deepEqual(r.got, ['hello']);
  });

  it('does not re-create for other errors and stops after close', async () => {
    const r = rig();
    await r.s.open();
    r.net.failSends(r.s.localPort, 'ECONNREFUSED');
    assert.equal(await r.s.send(Buffer.from('x')), false);
    assert.equal(r.s.healthy, true);
    r.net.failSends(r.s.localPort, 'EPERM');
    await r.s.send(Buffer.from('y'));
    r.s.close();
    await r.clock.advance(10_000);
    assert.equal(r.s.healthy, false);
    assert.equal(r.s.stats().recreations, 0);
  });

  it('works unconnected (sendto) when no remote is fixed, with the same recovery', async () => {
    const net = new FakeUdpNetwork();
    const clock = new FakeClock(0);
    const rx = net.factory();
    await rx.bind(9000, '127.0.0.1');
    const got: string[] = [];
    rx.onMessage((d) => got.push(d.toString()));
    const s = new EpermSafeUdpSocket({ factory: net.factory, localAddress: '0.0.0.0', localPort: 7000, clock, rng: seededRng(2), recreateBackoff: { initialMs: 50, maxMs: 50, jitter: 0 } });
    await s.open();
    assert.equal(await s.send(Buffer.from('x'), { address: '127.0.0.1', port: 9000 }), true);
    net.failSends(7000, 'EPERM');
    assert.equal(await s.send(Buffer.from('y'), { address: '127.0.0.1', port: 9000 }), false);
    net.heal(7000);
    await clock.advance(50);
    assert.equal(await s.send(Buffer.from('z'), { address: '127.0.0.1', port: 9000 }), true);
    assert.deepEqual(got, ['x', 'z']);
    assert.deepEqual(net.binds, ['127.0.0.1:9000', '0.0.0.0:7000', '0.0.0.0:7000']);
    s.close();
  });

  it('sends through a connected real socket on loopback', async () => {
    const rx = createSocket('udp4');
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const s = new EpermSafeUdpSocket({ factory: dgramSocketFactory(), localAddress: '127.0.0.1', localPort: 0, remote: { address: '127.0.0.1', port: rx.address().port } });
    try {
      await s.open();
      const got = once(rx, 'message');
      assert.equal(await s.send(Buffer.from('ping')), true);
      const [msg, rinfo] = await got;
      assert.equal(msg.toString(), 'ping');
      assert.equal(rinfo.port, s.localPort);
    } finally {
      s.close();
      rx.close();
    }
  });
});
