import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_DIR, renderAllCrds } from './crd-yaml';

describe('deploy/crds', () => {
  const expected = renderAllCrds();

  it('holds exactly the generated manifests, byte for byte (run cd deploy && npx tsx src/gen-crds.ts)', () => {
    const onDisk = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(onDisk, [...expected.keys()].sort());
    for (const [name, text] of expected) assert.equal(readFileSync(join(CRD_DIR, name), 'utf8'), text, `${name} is stale`);
  });

  it('every manifest is a cluster-scoped wirekube.io/v1alpha1 CRD with status, short name and printer columns', () => {
    const shortNames = new Set<string>();
    for (const name of expected.keys()) {
      const crd = parse(readFileSync(join(CRD_DIR, name), 'utf8'));
      assert.equal(crd.spec.group, 'wirekube.io');
      assert.equal(crd.spec.scope, 'Cluster');
      const [v] = crd.spec.versions;
      assert.equal(v.name, 'v1alpha1');
      assert.deepEqual(v.subresources, { status: {} });
      assert.ok(v.additionalPrinterColumns.some((c: { name: string }) => c.name === 'Age'));
      assert.equal(v.schema.openAPIV3Schema.properties.spec.type, 'object');
      shortNames.add(crd.spec.names.shortNames[0]);
    }
    assert.deepEqual([...shortNames].sort(), ['wkgw', 'wkmesh', 'wkpeer']);
  });
});
