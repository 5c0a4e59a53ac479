// Runs one project's mocha specs (src/**/*.spec.ts, compiled on the fly by tsx) and records the
// pass/fail counts in reports/<project>.json for tools/run-tests.mjs to add up.
// Usage: node tools/mocha.mjs <project> [extra mocha args]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { walk } from './walk.mjs';

const root = resolve(import.meta.dirname, '..');
const [project, ...extra] = process.argv.slice(2);
const report = resolve(root, 'reports', `${project}.json`);
mkdirSync(resolve(root, 'reports'), { recursive: true });

const specs = walk('src', '.spec.ts');
if (specs.length === 0) {
  writeFileSync(report, JSON.stringify({ project, passes: 0, failures: 0, pending: 0 }));
  console.log(`${project}: no specs`);
  process.exit(0);
}
const mocha = resolve(root, 'node_modules/mocha/bin/mocha.js');
const r = spawnSync(
  process.execPath,
  [mocha, '--config', resolve(root, 'tools/mocharc.cjs'), '--reporter', resolve(root, 'tools/mocha-reporter.cjs'),
    '--reporter-option', `report=${report}`, '--reporter-option', `project=${project}`, ...extra, 'src/**/*.spec.ts'],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
