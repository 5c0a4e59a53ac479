import assert from 'node:assert/strict';
import { compileJsonPath } from './jsonpath';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import { humanDuration } from './table';

const obj = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'n1', namespace: 'default', labels }, ...extra });

describe('selectors and JSONPath', () => {
  it('label selectors support equality, sets and existence', () => {
    const o = obj({ role: 'gw', zone: 'a' });
    const cases: Array<[string, boolean]> = [
      ['', true],
      ['role=gw', true],
      ['role==gw,zone=a', true],
      ['role!=gw', false],
      ['missing!=x', true],
      ['zone in (a, b)', true],
      ['zone notin (a)', false],
      ['role', true],
      ['!role', false],
      ['!missing', true],
      ['example.com/tier', false],
    ];
    for (const [sel, want] of cases) assert.equal(parseLabelSelector(sel)(o), want, sel);
    assert.throws(() => parseLabelSelector('a b c'), SelectorError);
    assert.throws(() => parseLabelSelector('-bad=x'), /invalid label key/);
  });

  it('field selectors match dotted paths and refuse unsupported fields', () => {
    const m = parseFieldSelector('metadata.name=n1,spec.unschedulable!=true', () => true);
    assert.equal(m(obj({}, { spec: {} })), true);
    assert.equal(m(obj({}, { spec: { unschedulable: true } })), false);
    assert.throws(() => parseFieldSelector('spec.x=1', (f) => f.startsWith('metadata.')), /field label not supported: spec.x/);
  });

  it('JSONPath finds keys, indexes, wildcards and filters', () => {
    const doc = { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Other', status: 'False' }] }, spec: { ips: ['a', 'b'] } };
    assert.deepEqual(compileJsonPath('.status.conditions[?(@.type=="Ready")].status')(doc), ['True']);
    assert.deepEqual(compileJsonPath('.spec.ips[*]')(doc), ['a', 'b']);
    assert.deepEqual(compileJsonPath('{.spec.ips[1]}')(doc), ['b']);
    assert.deepEqual(compileJsonPath(".spec['ips']")(doc), [['a', 'b']]);
    assert.deepEqual(compileJsonPath('.spec.missing.deeper')(doc), []);
    assert.throws(() => compileJsonPath('spec..x'), /unsupported JSONPath/);
  });

  it('renders ages the way kubectl shows them', () => {
    const s = 1000;
    assert.deepEqual([5 * s, 119 * s, 150 * s, 600 * s, 3 * 3600 * s + 60 * s, 30 * 3600 * s, 50 * 3600 * s, 400 * 86400 * s].map(humanDuration), ['5s', '119s', '2m30s', '10m', '3h1m', '30h', '2d2h', '400d']);
  });
});
