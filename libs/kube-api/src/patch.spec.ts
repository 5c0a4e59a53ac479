import assert from 'node:assert/strict';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patch';

describe('patches', () => {
  it('merge patch merges objects, replaces lists and deletes with null (RFC 7386)', () => {
    const doc = { a: { b: 1, c: [1, 2] }, d: 'x' };
    assert.deepEqual(applyMergePatch(doc, { a: { c: [3], e: true }, d: null }), { a: { b: 1, c: [3], e: true } });
    assert.deepEqual(doc, { a: { b: 1, c: [1, 2] }, d: 'x' }, 'input untouched');
  });

  it('json patch applies add/replace/remove/test/move/copy and fails atomically', () => {
    const doc = { spec: { ips: ['a'], n: 1 } };
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/spec/ips/-', value: 'b' },
      { op: 'replace', path: '/spec/n', value: 2 },
      { op: 'copy', from: '/spec/n', path: '/spec/m' },
      { op: 'move', from: '/spec/m', path: '/spec/k' },
      { op: 'test', path: '/spec/k', value: 2 },
      { op: 'remove', path: '/spec/ips/0' },
    ]);
    assert.deepEqual(out, { spec: { ips: ['b'], n: 2, k: 2 } });
    assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/missing' }]), PatchError);
    assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/spec/n', value: 9 }]), /test operation failed/);
    assert.throws(() => applyJsonPatch(doc, { op: 'add' }), /array of operations/);
    assert.deepEqual(doc, { spec: { ips: ['a'], n: 1 } });
  });

  it('strategic merge patch merges keyed lists by $setElementOrder and honours $patch: delete', () => {
    const cur = { spec: { versions: [{ name: 'v1', served: true, schema: { x: 1 } }, { name: 'v2', served: true }] }, metadata: { finalizers: ['a'] } };
    const patch = {
      spec: {
        '$setElementOrder/versions': [{ name: 'v2' }, { name: 'v1' }],
        versions: [{ name: 'v1', served: false }, { name: 'v3', $patch: 'delete' }],
      },
      metadata: { '$setElementOrder/finalizers': ['a', 'b'], finalizers: ['b'] },
    };
    assert.deepEqual(applyStrategicMergePatch(cur, patch), {
      spec: { versions: [{ name: 'v2', served: true }, { name: 'v1', served: false, schema: { x: 1 } }] },
      metadata: { finalizers: ['a', 'b'] },
    });
    assert.deepEqual(applyStrategicMergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { $patch: 'replace', c: 5 } }), { a: [3], b: { c: 5 } });
    assert.deepEqual(applyStrategicMergePatch({ a: [1, 2, 3] }, { '$deleteFromPrimitiveList/a': [2] }), { a: [1, 3] });
  });
});
