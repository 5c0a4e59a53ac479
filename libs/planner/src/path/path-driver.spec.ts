import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { PathDriver } from './path-driver';
import type { PairMode, PathAction } from './path-types';

const CONE: PairMode = { mode: 'direct', reason: 'both mappings endpoint-independent' };

/** A driver over `n` direct-capable peers this side initiates to, recording punch requests. */
function mesh(n: number, maxPunching: number) {
  const clock = new FakeClock();
  const requests: Array<{ peer: string; punchId: string }> = [];
  const driver = new PathDriver({
    clock,
    rng: seededRng(3),
    maxPunching,
    onChange: (peer, actions: readonly PathAction[]) => {
      for (const a of actions) if (a.type === 'request-punch') requests.push({ peer, punchId: a.punchId });
    },
  });
  const names = Array.from({ length: n }, (_, i) => `p${i}`);
  for (const name of names) {
    driver.add(name, { initiator: true });
    driver.handle(name, { type: 'pair', pair: CONE, relayMode: 'auto' });
    driver.handle(name, { type: 'relay', present: true, endpoint: { host: '127.0.0.1', port: 40000 + names.indexOf(name) } });
  }
  const punching = () => names.filter((x) => driver.state(x)?.phase === 'punching');
  return { clock, driver, requests, names, punching };
}

describe('path driver: concurrent punches', () => {
  it('starts at most maxPunching punches; the others stay relayed and start as punches end', async () => {
    const m = mesh(5, 2);
    assert.deepEqual(m.punching(), ['p0', 'p1']);
    assert.equal(m.requests.length, 2);
    for (const name of ['p2', 'p3', 'p4']) assert.equal(m.driver.state(name)?.path.kind, 'relay');

    // A punch that fails frees its slot for the longest-waiting peer at once.
    m.driver.handle('p0', { type: 'punch-result', punchId: m.requests[0]!.punchId, reason: 'no probe got through' });
    assert.deepEqual(m.punching(), ['p1', 'p2']);

    // Removing a punching peer frees its slot too.
    m.driver.remove('p1');
    assert.deepEqual(m.punching(), ['p2', 'p3']);

    // Punches that time out free theirs; every peer gets its turn, never more than two at a time.
    let most = 0;
    for (let i = 0; i < 40; i++) {
      await m.clock.advance(500);
      most = Math.max(most, m.punching().length);
    }
    assert.ok(most <= 2, `at most 2 punching, saw ${most}`);
    assert.deepEqual([...new Set(m.requests.map((r) => r.peer))].sort(), ['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('does not hold back punches the peer asks for', () => {
    const m = mesh(3, 1);
    assert.deepEqual(m.punching(), ['p0']);
    m.driver.handle('p2', { type: 'punch-offer', punchId: 'r1' });
    assert.deepEqual(m.punching(), ['p0', 'p2']);
  });
});
