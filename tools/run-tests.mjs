// The workspace test command: builds, lints and tests every project through Nx, then prints one
// plain summary line "N passed, N failed". A build or lint failure counts as one failed check
// per failing target, so a red lint can never hide behind green tests.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
rmSync(resolve(root, 'reports'), { recursive: true, force: true });
const nx = resolve(root, 'node_modules/.bin/nx');
const common = ['--parallel=2', '--outputStyle=stream', ...process.argv.slice(2)];
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
// The NAT-lab suites (project e2e) time real packets through real namespaces: they run on their
// own, after everything else, so that unit tests on the other core do not starve them.
const phases = [
  ['run-many', '-t', 'build', 'lint', 'test', '--exclude=e2e', ...common],
  ['run-many', '-t', 'build', 'lint', 'test', '--projects=e2e', ...common],
];
const r = { status: 0, output: '' };
for (const argv of phases) {
  const p = await runStreaming(nx, argv, { cwd: root, env });
  r.output += p.output;
  if (p.status !== 0) r.status = p.status;
}

let passed = 0;
let failed = 0;
const reportDir = resolve(root, 'reports');
for (const f of safeList(reportDir)) {
  const rep = JSON.parse(readFileSync(resolve(reportDir, f), 'utf8'));
  passed += rep.passes;
  failed += rep.failures;
}
const failedTargets = [...r.output.matchAll(/^\s*-\s+(\S+:(build|lint|test))\s*$/gm)].map((m) => m[1]);
const nonTest = failedTargets.filter((t) => !t.endsWith(':test'));
failed += nonTest.length;
if (r.status !== 0 && failed === 0) failed = 1;
if (nonTest.length) console.log(`failed targets: ${nonTest.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && r.status === 0 ? 0 : 1);

/** Runs a command, echoing stdout and stderr as they come, and resolves with its status and all output. */
function runStreaming(cmd, argv, opts) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('close', (status) => resolvePromise({ status, output }));
  });
}

function safeList(dir) {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}
