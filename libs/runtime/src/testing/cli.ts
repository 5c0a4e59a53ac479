import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { envName, flagName, type FlagDefs, type ProgramSpec } from '../config/parse';

/**
 * Runs a built service binary with `--help` and asserts that the output names every declared flag
 * (common ones included) with its env variable and default, and exits 0.
 */
export function assertHelpListsEveryFlag(bin: string, spec: ProgramSpec<FlagDefs>): string {
  const r = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const all = { ...spec.flags };
  for (const key of [...Object.keys(all), 'logLevel', 'metricsAddress', 'shutdownDrain', 'checkConfig', 'shutdownGrace']) {
    assert.ok(r.stdout.includes(`--${flagName(key)}`), `--help lacks --${flagName(key)}`);
  }
  for (const [key, def] of Object.entries(all)) {
    assert.ok(r.stdout.includes(`env: ${envName(spec, key, def)}   default: ${def.show(def.default)}`), `--help lacks env/default of --${flagName(key)}`);
  }
  return r.stdout;
}

/** Runs a binary with `args` and asserts it exits 2 with a message containing every `expected` text. */
export function assertRejectsConfig(bin: string, args: string[], expected: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 20_000, env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } });
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  for (const e of expected) assert.ok(r.stderr.includes(e), `stderr lacks ${JSON.stringify(e)}:\n${r.stderr}`);
  return r.stderr;
}

/** Runs a binary with `--check-config` and `args`/`env`, asserts exit 0, and returns the parsed config. */
export function checkConfig(bin: string, args: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const r = spawnSync(bin, ['--check-config', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}
