import assert from 'node:assert/strict';
import { backoffDelay, cryptoRng, seededRng, WireKubeError, errorMessage, memoByText } from './index';
import { FakeClock } from './testing';

describe('util', () => {
  it('backoff grows by the factor and caps at the maximum', () => {
    const noJitter = { initialMs: 100, maxMs: 1000, jitter: 0 };
    const rng = seededRng(1);
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, noJitter, rng)), [100, 200, 400, 800, 1000, 1000]);
  });

  it('backoff jitter only ever shortens the delay, within the fraction', () => {
    const rng = seededRng(7);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, { initialMs: 100, maxMs: 10_000, jitter: 0.5 }, rng);
      assert.ok(d <= 800 && d >= 400, `delay ${d}`);
    }
  });

  it('seeded rng is reproducible and in range', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const xs = Array.from({ length: 50 }, () => a.int(10, 20));
    assert.deepEqual(xs, Array.from({ length: 50 }, () => b.int(10, 20)));
    assert.ok(xs.every((x) => x >= 10 && x < 20));
    assert.notDeepEqual(seededRng(1).bytes(16), seededRng(2).bytes(16));
  });

  it('crypto rng floats are in [0, 1) (and do not throw: randomInt caps its range below 2^48)', () => {
    const xs = Array.from({ length: 200 }, () => cryptoRng.next());
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.ok(new Set(xs).size > 190);
  });

  it('fake clock fires timers in deadline order, including ones scheduled while advancing', async () => {
    const c = new FakeClock(0);
    const fired: string[] = [];
    c.setTimeout(() => fired.push('b@20'), 20);
    c.setTimeout(() => {
      fired.push('a@10');
      c.setTimeout(() => fired.push('c@15'), 5);
    }, 10);
    const cancelled = c.setTimeout(() => fired.push('never'), 12);
    c.clearTimeout(cancelled);
    await c.advance(19);
    assert.deepEqual(fired, ['a@10', 'c@15']);
    assert.equal(c.now(), 19);
    await c.advance(1);
    assert.deepEqual(fired, ['a@10', 'c@15', 'b@20']);
  });

  it('fake clock sleep resolves on advance and rejects on abort', async () => {
    const c = new FakeClock(0);
    let done = false;
    const p = c.sleep(100).then(() => (done = true));
    await c.advance(99);
    assert.equal(done, false);
    await c.advance(1);
    await p;
    assert.equal(done, true);
    const ac = new AbortController();
    const q = c.sleep(100, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(q, /stop/);
    assert.equal(c.pending, 0);
  });

  it('typed errors keep their code and cause', () => {
    const cause = new Error('low level');
    const e = new WireKubeError('bad-thing', 'it broke', { cause });
    assert.equal(e.code, 'bad-thing');
    assert.equal(e.cause, cause);
    assert.equal(e.name, 'WireKubeError');
    assert.equal(errorMessage(e), 'it broke');
    assert.equal(errorMessage(42), '42');
  });

  it('memoByText computes once per text, stays bounded, and remembers no throw', () => {
    const calls: string[] = [];
    const upper = memoByText((t) => {
      calls.push(t);
      if (t === 'bad') throw new Error('bad input');
      return t.toUpperCase();
    }, 2);
    assert.equal(upper('a'), 'A');
    assert.equal(upper('a'), 'A');
    assert.deepEqual(calls, ['a']);
    assert.throws(() => upper('bad'), /bad input/);
    assert.throws(() => upper('bad'), /bad input/);
    upper('b');
    upper('c'); // full at two entries: dropped whole, then c remembered
    upper('a');
    assert.deepEqual(calls, ['a', 'bad', 'bad', 'b', 'c', 'a']);
  });
});
