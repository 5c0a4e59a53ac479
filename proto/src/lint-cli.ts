// Lints every contract under proto/ (see proto-lint.ts); exits 1 listing each problem.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lintProtos } from './proto-lint';

const protoRoot = resolve(__dirname, '..');
const files = readdirSync(join(protoRoot, 'wirekube/v1')).filter((f) => f.endsWith('.proto')).sort().map((f) => `wirekube/v1/${f}`);
const problems = lintProtos(protoRoot, files);
for (const p of problems) console.error(p);
console.log(`${files.length} contracts, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
