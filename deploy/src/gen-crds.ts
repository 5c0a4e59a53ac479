// Writes deploy/crds/*.yaml from the TypeScript CRD definitions in libs/k8s (the single source of
// truth). Run after changing a CRD: cd deploy && npx tsx src/gen-crds.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_DIR, renderAllCrds } from './crd-yaml';

mkdirSync(CRD_DIR, { recursive: true });
for (const [name, text] of renderAllCrds()) {
  writeFileSync(join(CRD_DIR, name), text);
  console.log(`wrote deploy/crds/${name}`);
}
