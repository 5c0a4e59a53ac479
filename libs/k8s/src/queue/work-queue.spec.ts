import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { WorkQueue } from './work-queue';

/** A handler whose calls the test releases one by one. */
function gatedHandler() {
  const calls: string[] = [];
  const gates: Array<() => void> = [];
  let active = 0;
  let maxActivePerKey = 0;
  const activeKeys = new Map<string, number>();
  const handler = async (key: string) => {
    calls.push(key);
    active++;
    activeKeys.set(key, (activeKeys.get(key) ?? 0) + 1);
    maxActivePerKey = Math.max(maxActivePerKey, activeKeys.get(key) ?? 0);
    await new Promise<void>((r) => gates.push(r));
    active--;
    activeKeys.set(key, (activeKeys.get(key) ?? 1) - 1);
  };
  return { calls, gates, handler, stats: () => ({ active, maxActivePerKey }) };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('WorkQueue', () => {
  it('coalesces adds of a waiting key', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (k) => void seen.push(k), { clock: new FakeClock(), rng: seededRng(1) });
    q.add('a');
    q.add('b');
    q.add('a');
    q.start();
    await q.idle();
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('never runs one key twice at once, and re-runs it once if it changed meanwhile', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { clock: new FakeClock(), rng: seededRng(1), concurrency: 4 });
    q.start();
    q.add('a');
    await flush();
    q.add('a');
    q.add('a');
    q.add('b');
    await flush();
    assert.deepEqual(h.calls, ['a', 'b'], 'a is not started again while in flight');
    h.gates.shift()?.();
    await flush();
    assert.deepEqual(h.calls, ['a', 'b', 'a'], 'the changes during the first run cause exactly one more run');
    h.gates.splice(0).forEach((g) => g());
    await flush();
    h.gates.splice(0).forEach((g) => g());
    await q.idle();
    assert.equal(h.stats().maxActivePerKey, 1);
  });

  it('retries failures with growing backoff on the injected clock, then forgets on success', async () => {
    const clock = new FakeClock(0);
    const attempts: number[] = [];
    let failuresLeft = 3;
    const q = new WorkQueue(
      async () => {
        attempts.push(clock.now());
        if (failuresLeft-- > 0) throw new Error('API down');
      },
      { clock, rng: seededRng(1), backoff: { initialMs: 100, maxMs: 1000, jitter: 0 } },
    );
    q.start();
    q.add('k');
    await flush();
    await clock.advance(5000);
    assert.deepEqual(attempts, [0, 100, 300, 700]);
    assert.equal(q.failuresOf('k'), 0);
    assert.equal(clock.pending, 0);
  });

  it('a failing key does not hold up the others, and a fresh add brings a retry forward', async () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        seen.push(`${k}@${clock.now()}`);
        if (k === 'bad') throw new Error('no');
      },
      { clock, rng: seededRng(1), backoff: { initialMs: 1000, maxMs: 1000, jitter: 0 } },
    );
    q.start();
    q.add('bad');
    q.add('good');
    await flush();
    await clock.advance(10);
    q.add('bad');
    await flush();
    assert.deepEqual(seen, ['bad@0', 'good@0', 'bad@10']);
    await q.stop();
    assert.equal(clock.pending, 0, 'stop cancels delayed retries');
  });
});
