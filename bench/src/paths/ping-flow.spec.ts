import assert from 'node:assert/strict';
import { flowStats } from './ping-flow';

describe('paths bench: flowStats', () => {
  it('counts gaps between the first and last answered request and the longest run as the outage', () => {
    assert.deepEqual(flowStats([3, 4, 5, 9, 10, 12]), { sent: 10, lost: 4, outageMs: 300 });
  });

  it('a flow without gaps lost nothing; one with no answers has no figures', () => {
    assert.deepEqual(flowStats([1, 2, 3]), { sent: 3, lost: 0, outageMs: 0 });
    assert.deepEqual(flowStats([]), { sent: 0, lost: 0, outageMs: 0 });
  });
});
