import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { RelayControlClient } from '@wirekube/proto';
import { nullLogger, seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { ReplicaLink } from './index';

/** A RelayControl client whose Session streams fail the way the relay ends them. */
function failingClient(code: () => string | undefined) {
  const calls: number[] = [];
  let clock: FakeClock;
  const client = {
    session() {
      calls.push(clock.now());
      const call = Object.assign(new EventEmitter(), { write() {}, cancel() {} });
      setImmediate(() => {
        const c = code();
        if (c) call.emit('data', { msg: { $case: 'error', error: { code: c, message: 'no' } } });
        else call.emit('error', new Error('connect ECONNREFUSED'));
      });
      return call;
    },
    close() {},
  } as unknown as RelayControlClient;
  return { client, calls, setClock: (c: FakeClock) => (clock = c) };
}

async function settle(clock: FakeClock, ms: number, step = 10) {
  for (let t = 0; t < ms; t += step) {
    await new Promise((r) => setImmediate(r));
    await clock.advance(step);
  }
}

describe('replica link', () => {
  const identity = { privateKey: Buffer.alloc(32, 1), publicKey: Buffer.alloc(32, 2), nodeName: 'n' };
  const events = { datagram() {}, changed() {}, punchOffer() {}, punchAnswer() {} };

  it('reconnects with exponential backoff on the injected clock', async () => {
    const clock = new FakeClock(0);
    const f = failingClient(() => undefined);
    f.setClock(clock);
    const link = new ReplicaLink({
      address: { host: '127.0.0.1', controlPort: 1, dataPort: 2 },
      identity,
      client: f.client,
      backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 },
      handshakeTimeoutMs: 5000,
      keepaliveMs: 1000,
      maxBufferedBytes: 1 << 20,
      clock,
      rng: seededRng(1),
      logger: nullLogger,
      events,
    });
    link.start();
    await settle(clock, 4000);
    link.close();
    // Attempts at 0, then +100, +200, +400, +800, +1000 (capped), ...
    const gaps = f.calls.slice(1).map((t, i) => t - f.calls[i]!);
    assert.deepEqual(gaps.slice(0, 6), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(link.lastError?.code, 'stream-failed');
    assert.equal(link.up, false);
    const n = f.calls.length;
    await settle(clock, 3000);
    assert.equal(f.calls.length, n, 'no attempts after close');
  });

  it('backs off fully when the relay says another session replaced ours', async () => {
    const clock = new FakeClock(0);
    const f = failingClient(() => 'replaced');
    f.setClock(clock);
    const link = new ReplicaLink({
      address: { host: '127.0.0.1', controlPort: 1, dataPort: 2 },
      identity,
      client: f.client,
      backoff: { initialMs: 100, maxMs: 2000, jitter: 0 },
      handshakeTimeoutMs: 5000,
      keepaliveMs: 1000,
      maxBufferedBytes: 1 << 20,
      clock,
      rng: seededRng(1),
      logger: nullLogger,
      events,
    });
    link.start();
    await settle(clock, 4500);
    link.close();
    assert.deepEqual(f.calls.slice(1).map((t, i) => t - f.calls[i]!), [2000, 2000]);
    assert.equal(link.lastError?.code, 'replaced');
  });

  it('survives a throwing owner callback: logs it and keeps reconnecting', async () => {
    const clock = new FakeClock(0);
    const f = failingClient(() => undefined);
    f.setClock(clock);
    const errors: string[] = [];
    const logger = { ...nullLogger, error: (m: string) => errors.push(m), child: () => logger };
    const link = new ReplicaLink({
      address: { host: '127.0.0.1', controlPort: 1, dataPort: 2 },
      identity,
      client: f.client,
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
      handshakeTimeoutMs: 5000,
      keepaliveMs: 1000,
      maxBufferedBytes: 1 << 20,
      clock,
      rng: seededRng(1),
      logger,
      events: { ...events, changed: () => { throw new Error('owner bug'); } },
    });
    link.start();
    await settle(clock, 2500);
    link.close();
    assert.ok(f.calls.length >= 3, `attempts: ${f.calls.length}`);
    assert.ok(errors.includes('relay link loop failed; restarting it'));
  });
});
