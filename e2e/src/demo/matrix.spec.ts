import assert from 'node:assert/strict';
import { formatMatrix, unreachablePairs, type PingMatrix } from './matrix';

describe('demo: ping matrix', () => {
  const names = ['a', 'bb', 'c'];
  const m: PingMatrix = new Map([
    ['a', new Map([['bb', true], ['c', true]])],
    ['bb', new Map([['a', true], ['c', false]])],
    ['c', new Map([['a', true]])],
  ]);

  it('lists every ordered pair that did not answer, a missing entry included', () => {
    assert.deepEqual(unreachablePairs(names, m), ['bb→c', 'c→bb']);
    assert.deepEqual(unreachablePairs(['a'], m), []);
  });

  it('prints rows as the pinging node, with ok, -- and the diagonal', () => {
    assert.equal(formatMatrix(names, m), ['from\\to  a   bb  c', 'a        ·   ok  ok', 'bb       ok  ·   --', 'c        ok  --  ·'].join('\n'));
  });
});
