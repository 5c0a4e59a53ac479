import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { sweepLeftovers } from '../../lab';

interface ChildReport {
  runId: string;
  pid: number;
  namespaces: string[];
  dir: string;
}

/** True once `pid` is gone (or a zombie nobody reaped yet). */
function dead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

const nsExists = (ns: string) => existsSync(join('/run/netns', ns));

/** Starts the fixture in `mode` and resolves once it has reported its lab. */
async function startChild(mode: string): Promise<{ proc: ChildProcess; report: ChildReport }> {
  const proc = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'fixtures', 'lab-child.ts'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ proc, report: JSON.parse(line) as ChildReport });
    });
    proc.once('exit', (code) => reject(new Error(`fixture ${mode} exited ${code} before reporting: ${err}`)));
  });
}

function assertGone(r: ChildReport): void {
  assert.deepEqual(r.namespaces.filter(nsExists), [], 'namespaces left behind');
  assert.ok(dead(r.pid), `supervised process ${r.pid} still alive`);
  assert.equal(existsSync(r.dir), false, 'run directory left behind');
}

interface MochaJson {
  stats: { passes: number; failures: number };
  failures: { title: string; err: { message: string } }[];
}

/** Runs the failing fixture in a child mocha with the JSON reporter. */
async function runFailingMocha(): Promise<{ json: MochaJson; report: { runId: string; pid: number } }> {
  const mocha = require.resolve('mocha/bin/mocha.js');
  const proc = spawn(process.execPath, [mocha, '--require', 'tsx/cjs', '--reporter', 'json', join(__dirname, 'fixtures', 'failing.fixture.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  await once(proc, 'exit');
  const line = err.split('\n').find((l) => l.startsWith('{"runId"'));
  if (!line) throw new Error(`fixture mocha did not report its lab: ${err}`);
  return { json: JSON.parse(out) as MochaJson, report: JSON.parse(line) as { runId: string; pid: number } };
}

describe('lab: nothing survives any exit path', function () {
  this.timeout(30_000);
  const children = new Map<string, { proc: ChildProcess; report: ChildReport }>();
  let failing: Awaited<ReturnType<typeof runFailingMocha>>;
  before(async function () {
    // Four independent lab processes at once, as concurrent test runs on this machine would be…
    const modes = ['throw', 'sigterm', 'sigint'];
    const [started, f] = await Promise.all([Promise.all(modes.map((m) => startChild(m === 'throw' ? m : 'wait'))), runFailingMocha()]);
    modes.forEach((m, i) => children.set(m, started[i]!));
    failing = f;
    // …then the crashes alone, so none of our own starting labs sweeps them before the test does.
    const [crash, orphan] = await Promise.all([startChild('crash'), startChild('orphan')]);
    children.set('crash', crash).set('orphan', orphan);
  });
  after(function () {
    for (const { proc } of children.values()) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });

  it('a crashed run (SIGKILL) leaves things behind that the next sweep removes — and only those', async function () {
    const crash = children.get('crash')!;
    if (crash.proc.exitCode === null && crash.proc.signalCode === null) await once(crash.proc, 'exit');
    const leftBehind = crash.report.namespaces.filter(nsExists);
    const swept = await sweepLeftovers();
    assertGone(crash.report);
    // A lab process of another engineer's suite on this machine may legitimately sweep it first.
    assert.ok(swept.includes(crash.report.runId) || leftBehind.length === 0, `left ${leftBehind}, swept ${swept}`);
    for (const m of ['sigterm', 'sigint']) {
      const live = children.get(m)!.report;
      assert.ok(!swept.includes(live.runId), `live run ${live.runId} must not be swept`);
      assert.ok(live.namespaces.every(nsExists) && !dead(live.pid), `live run ${live.runId} was touched`);
    }
  });

  it('a process whose namespaces are already gone is still found (by its run tag) and killed', async function () {
    const orphan = children.get('orphan')!;
    if (orphan.proc.exitCode === null && orphan.proc.signalCode === null) await once(orphan.proc, 'exit');
    assert.deepEqual(orphan.report.namespaces.filter(nsExists), []);
    await sweepLeftovers();
    assertGone(orphan.report);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} tears the lab down before the process dies`, async function () {
      const { proc, report } = children.get(sig.toLowerCase())!;
      proc.kill(sig);
      const [, signal] = (await once(proc, 'exit')) as [number | null, NodeJS.Signals | null];
      assert.equal(signal, sig, 'the signal still ends the process');
      assertGone(report);
    });
  }

  it('failing and timed-out mocha tests get process logs attached, and the lab is torn down', function () {
    const { json, report } = failing;
    assert.deepEqual([json.stats.passes, json.stats.failures], [0, 2]);
    const [fail, timeout] = json.failures;
    assert.match(fail!.err.message, /failing on purpose[\s\S]*process logs:[\s\S]*n\/marker[\s\S]*out\|marker-from-process/);
    assert.match(timeout!.err.message, /Timeout/);
    assert.match(timeout!.err.message, /n\/marker .*\(running\)/, 'a process still running is attached to the next failure too');
    assert.deepEqual(readdirSync('/run/netns').filter((n) => n.startsWith(`${report.runId}-`)), []);
    assert.ok(dead(report.pid));
  });

  it('an uncaught exception tears the lab down', async function () {
    const { proc, report } = children.get('throw')!;
    if (proc.exitCode === null && proc.signalCode === null) await once(proc, 'exit');
    assert.notEqual(proc.exitCode, 0);
    assertGone(report);
  });
});
