import { strict as assert } from 'node:assert';
import type { HostPort } from '@wirekube/planner';
import { FakeClock } from '@wirekube/util/testing';
import { punchWithWireGuard, type WgPunchPort } from './wg-punch';

/** A WireGuard peer as the punch sees it; `arrive` models a packet from the peer. */
class FakePeer implements WgPunchPort {
  endpoint?: string;
  rx = 0;
  pointed: string[] = [];
  nudges = 0;
  async point(e: HostPort): Promise<void> {
    this.endpoint = `${e.host}:${e.port}`;
    this.pointed.push(this.endpoint);
  }
  async read() {
    return { ...(this.endpoint && { endpoint: this.endpoint }), rxBytes: this.rx };
  }
  nudge(): void {
    this.nudges++;
  }
  arrive(from: string, bytes = 148): void {
    this.endpoint = from;
    this.rx += bytes;
  }
}

describe('punching with the WireGuard port', () => {
  const targets = [{ host: '10.0.1.3', port: 51822 }, { host: '203.0.113.9', port: 51822 }];
  const opts = (clock: FakeClock, port: FakePeer) => ({ targets, startAtMs: 1000, windowMs: 1200, minPerTargetMs: 150, pollMs: 50, maxTargets: 6, clock, port, cancelled: () => false });

  async function run(clock: FakeClock, p: Promise<unknown>, ms: number) {
    for (let t = 0; t < ms; t += 25) await clock.advance(25);
    return p;
  }

  it('starts at the common start and returns the endpoint the peer\'s packets came from', async () => {
    const clock = new FakeClock(0);
    const peer = new FakePeer();
    const result = punchWithWireGuard(opts(clock, peer));
    await clock.advance(900);
    assert.deepEqual(peer.pointed, [], 'nothing before startAtMs');
    await clock.advance(200);
    assert.deepEqual(peer.pointed, ['10.0.1.3:51822']);
    peer.arrive('10.0.1.3:51822');
    assert.deepEqual(await run(clock, result, 200), { endpoint: { host: '10.0.1.3', port: 51822 } });
    assert.ok(peer.nudges >= 1);
  });

  it('follows WireGuard to the peer\'s real source (its NAT gave another port)', async () => {
    const clock = new FakeClock(1000);
    const peer = new FakePeer();
    const result = punchWithWireGuard(opts(clock, peer));
    await clock.advance(10);
    peer.arrive('203.0.113.9:1044');
    assert.deepEqual(await run(clock, result, 200), { endpoint: { host: '203.0.113.9', port: 1044 } });
  });

  it('ignores relayed packets (re-points the target) and tries each target before giving up', async () => {
    const clock = new FakeClock(1000);
    const peer = new FakePeer();
    const result = punchWithWireGuard(opts(clock, peer));
    await clock.advance(10);
    peer.arrive('127.0.0.1:40001');
    const r = await run(clock, result, 1400);
    assert.deepEqual(r, { reason: 'no WireGuard packet came back from 10.0.1.3:51822, 203.0.113.9:51822 within 1200 ms' });
    assert.deepEqual(peer.pointed, ['10.0.1.3:51822', '10.0.1.3:51822', '203.0.113.9:51822']);
  });

  it('without a target, waits for the peer\'s packets (a symmetric peer punching towards this side)', async () => {
    const clock = new FakeClock(1000);
    const peer = new FakePeer();
    peer.endpoint = '127.0.0.1:40001';
    const passive = punchWithWireGuard({ ...opts(clock, peer), targets: [] });
    await clock.advance(300);
    peer.arrive('203.0.113.50:33012');
    assert.deepEqual(await run(clock, passive, 200), { endpoint: { host: '203.0.113.50', port: 33012 } });
    assert.deepEqual(peer.pointed, [], 'nothing to point at');
    const silent = punchWithWireGuard({ ...opts(clock, new FakePeer()), targets: [] });
    assert.deepEqual(await run(clock, silent, 1400), { reason: 'no target to aim at, and no WireGuard packet from the peer arrived within 1200 ms' });
  });

  it('stops when cancelled', async () => {
    const clock = new FakeClock(1000);
    const peer = new FakePeer();
    let cancelled = false;
    const result = punchWithWireGuard({ ...opts(clock, peer), cancelled: () => cancelled });
    await clock.advance(10);
    cancelled = true;
    assert.deepEqual(await run(clock, result, 200), { reason: 'punch cancelled' });
  });
});
