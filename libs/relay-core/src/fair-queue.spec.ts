import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FairQueue, chooseReplica } from './index';

type Item = { src: string; seq: number; size: number };
const q = (maxBytes: number, maxItems: number) => new FairQueue<Item>({ maxBytes, maxItems }, (i) => i.size);
const item = (src: string, seq: number, size = 10): Item => ({ src, seq, size });

function drainAll(fq: FairQueue<Item>): string[] {
  const out: string[] = [];
  fq.drain((i) => (out.push(`${i.src}${i.seq}`), true));
  return out;
}

describe('fair queue', () => {
  it('serves sources round robin and keeps per-source order', () => {
    const fq = q(1000, 100);
    for (let i = 0; i < 4; i++) fq.enqueue('a', item('a', i));
    fq.enqueue('b', item('b', 0));
    fq.enqueue('b', item('b', 1));
    fq.enqueue('c', item('c', 0));
    assert.deepEqual(drainAll(fq), ['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3']);
    assert.equal(fq.length, 0);
    assert.equal(fq.bytes, 0);
  });

  it('a flooding source loses its own excess while a quiet source keeps its share', () => {
    const fq = q(100, 1000);
    for (let i = 0; i < 50; i++) fq.enqueue('flood', item('flood', i));
    assert.equal(fq.length, 10);
    const r = fq.enqueue('quiet', item('quiet', 0));
    assert.deepEqual(r, { accepted: true, evicted: 1 });
    assert.equal(fq.enqueue('flood', item('flood', 99)).accepted, false);
    const out = drainAll(fq);
    assert.deepEqual(out.slice(0, 2), ['flood0', 'quiet0']);
    assert.ok(out.filter((s) => s.startsWith('flood')).every((s, i) => s === `flood${i}`), 'flood order kept, newest dropped');
  });

  it('honours the item limit as well as the byte limit, and refuses items larger than the queue', () => {
    const fq = q(1_000_000, 3);
    for (let i = 0; i < 5; i++) fq.enqueue('a', item('a', i));
    assert.equal(fq.length, 3);
    assert.deepEqual(fq.enqueue('b', item('b', 0, 2_000_000)), { accepted: false, evicted: 0 });
  });

  it('drain stops when the taker says so and resumes round robin where it left off', () => {
    const fq = q(1000, 100);
    for (const s of ['a', 'b', 'c']) for (let i = 0; i < 2; i++) fq.enqueue(s, item(s, i));
    const first: string[] = [];
    fq.drain((i) => (first.push(`${i.src}${i.seq}`), first.length < 2));
    assert.deepEqual(first, ['a0', 'b0']);
    assert.deepEqual(drainAll(fq), ['c0', 'a1', 'b1', 'c1']);
  });

  it('removeSource and clear drop exactly what they report', () => {
    const fq = q(1000, 100);
    for (const s of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) fq.enqueue(s, item(s, i));
    fq.drain((i) => i.src !== 'a');
    assert.equal(fq.removeSource('b'), 3);
    assert.equal(fq.removeSource('zz'), 0);
    assert.deepEqual(drainAll(fq), ['c0', 'a1', 'c1', 'a2', 'c2']);
    fq.enqueue('d', item('d', 0));
    assert.equal(fq.clear(), 1);
    assert.equal(fq.bytes, 0);
  });

  it('property: bounds always hold, nothing is duplicated, per-source order is kept', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('enq' as const), src: fc.constantFrom('a', 'b', 'c', 'd'), size: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ kind: fc.constant('drain' as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant('remove' as const), src: fc.constantFrom('a', 'b') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const fq = q(200, 8);
        const seq = new Map<string, number>();
        const last = new Map<string, number>();
        let accounted = 0;
        for (const o of ops) {
          if (o.kind === 'enq') {
            const s = (seq.get(o.src) ?? 0) + 1;
            seq.set(o.src, s);
            const r = fq.enqueue(o.src, item(o.src, s, o.size));
            accounted += (r.accepted ? 1 : 0) - r.evicted;
          } else if (o.kind === 'drain') {
            let k = 0;
            accounted -= fq.drain((i) => {
              assert.ok(i.seq > (last.get(i.src) ?? 0), 'order per source');
              last.set(i.src, i.seq);
              return ++k < o.n;
            });
          } else {
            accounted -= fq.removeSource(o.src);
          }
          assert.ok(fq.bytes <= 200 && fq.length <= 8);
          assert.equal(fq.length, accounted);
        }
      }),
    );
  });
});

describe('replica choice', () => {
  const replica = (id: string, keys: string[]) => ({ id, has: (k: string) => keys.includes(k) });
  it('picks the lowest replica id where the destination is present, or none', () => {
    assert.equal(chooseReplica([replica('r2', ['x']), replica('r1', ['x'])], 'x'), 'r1');
    assert.equal(chooseReplica([replica('r1', ['y']), replica('r2', ['x'])], 'x'), 'r2');
    assert.equal(chooseReplica([replica('r1', ['y'])], 'x'), undefined);
  });
});
