import assert from 'node:assert/strict';
import { ageOf, humanAge, renderTable } from './table';

describe('tables and ages', () => {
  it('aligns columns by code points, upper-cases headers and trims trailing blanks', () => {
    const text = renderTable(['name', 'pair', 'x'], [['a', 'b↔c', ''], ['longer', 'd', 'e']]);
    assert.equal(text, ['NAME     PAIR   X', 'a        b↔c', 'longer   d      e', ''].join('\n'));
  });

  it('prints coarse ages like kubectl and never a negative one', () => {
    assert.deepEqual([0, 59_000, 119_000, 120_000, 7_199_000, 7_200_000, 172_800_000, -5000].map(humanAge), ['0s', '59s', '119s', '2m', '119m', '2h', '2d', '0s']);
    assert.equal(humanAge(undefined), '-');
    assert.equal(ageOf('2026-05-01T12:00:00Z', Date.parse('2026-05-01T12:00:30Z')), 30_000);
    assert.equal(ageOf('yesterday', 0), undefined);
  });
});
