import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { lintProtos } from './proto-lint';

describe('contract lint', () => {
  it('passes the real contracts', () => {
    const root = resolve(__dirname, '..');
    const files = readdirSync(resolve(root, 'wirekube/v1')).filter((f) => f.endsWith('.proto')).map((f) => `wirekube/v1/${f}`);
    assert.ok(files.length >= 5);
    assert.deepEqual(lintProtos(root, files), []);
  });

  it('reports every undocumented service, rpc, message and enum and a foreign package', () => {
    assert.deepEqual(lintProtos(resolve(__dirname, '../testdata'), ['wirekube/v1/undocumented.proto']), [
      'wirekube/v1/undocumented.proto: package is "wirekube.v2", expected "wirekube.v1"',
      'wirekube/v1/undocumented.proto: message Req has no leading comment',
      'wirekube/v1/undocumented.proto: message Req.Inner has no leading comment',
      'wirekube/v1/undocumented.proto: enum Res.Kind has no leading comment',
      'wirekube/v1/undocumented.proto: rpc Thing.Get has no leading comment',
    ]);
  });

  it('reports a contract that does not compile', () => {
    const problems = lintProtos(resolve(__dirname, '../testdata'), ['wirekube/v1/missing.proto']);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^protoc failed: .*missing\.proto/);
  });
});
