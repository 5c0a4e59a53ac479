// The workspace test command: builds, lints and tests every project through Nx, then prints one
// plain summary line "N passed, N failed". A build or lint failure counts as one failed check
// per failing target, so a red lint can never hide behind green tests.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
rmSync(resolve(root, 'reports'), { recursive: true, force: true });
const args = ['run-many', '-t', 'build', 'lint', 'test', '--parallel=2', '--outputStyle=stream', ...process.argv.slice(2)];
const r = spawnSync(resolve(root, 'node_modules/.bin/nx'), args, {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
process.stdout.write(r.stdout ?? '');

let passed = 0;
let failed = 0;
const reportDir = resolve(root, 'reports');
for (const f of safeList(reportDir)) {
  const rep = JSON.parse(readFileSync(resolve(reportDir, f), 'utf8'));
  passed += rep.passes;
  failed += rep.failures;
}
const failedTargets = [...(r.stdout ?? '').matchAll(/^\s*-\s+(\S+:(build|lint|test))\s*$/gm)].map((m) => m[1]);
const nonTest = failedTargets.filter((t) => !t.endsWith(':test'));
failed += nonTest.length;
if (r.status !== 0 && failed === 0) failed = 1;
if (nonTest.length) console.log(`failed targets: ${nonTest.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && r.status === 0 ? 0 : 1);

function safeList(dir) {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}
