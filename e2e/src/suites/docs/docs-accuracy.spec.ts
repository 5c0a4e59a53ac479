/**
 * The user docs may only describe what exists: every relative link resolves, every `--flag` they
 * mention belongs to a WireKube program (or to a named external tool), and every metric they list
 * is exported — checked against the real /metrics of the relay and a STUN-serving stun-probe
 * started on loopback, and against the metric names declared in the sources for the rest.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { commonFlags, flagName } from '@wirekube/runtime';
// Apps are not importable as packages (Nx forbids importing apps); the docs are checked against
// exactly their exported flag specs, so they are imported by path, deliberately.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { agentProgram } from '../../../../apps/agent/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { gatewayControllerProgram } from '../../../../apps/gateway-controller/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { relayProgram } from '../../../../apps/relay/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { stunProbeProgram } from '../../../../apps/stun-probe/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { wirekubectlProgram } from '../../../../apps/wirekubectl/src/config';

const ROOT = resolve(__dirname, '../../../..');
const DOCS = join(ROOT, 'docs');
const docs = readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => ({ name: f, text: readFileSync(join(DOCS, f), 'utf8') }));

/** Flags of other tools the docs show in commands (kubectl, helm, aws, podman, Cilium). */
const EXTERNAL_FLAGS = new Set(['--install', '--type', '--for', '--version', '--namespace', '--query', '--name', '--network-interface-id', '--no-source-dest-check', '--route-table-id', '--destination-cidr-block', '--random-fully', '--tsconfig']);
/** Node's V8 options that scale.md measured. */
const NODE_FLAGS = new Set(['--max-semi-space-size', '--optimize-for-size']);
/** Options of the scale benchmark (bench/src/scale/run.ts), which scale.md documents; checked against its source below. */
const SCALE_BENCH_FLAGS = ['--sizes', '--steady', '--churn'];

function wireKubeFlags(): Set<string> {
  const names = new Set<string>(['--help']);
  for (const p of [agentProgram, gatewayControllerProgram, relayProgram, stunProbeProgram, wirekubectlProgram]) for (const k of Object.keys(p.flags)) names.add(`--${flagName(k)}`);
  for (const k of Object.keys(commonFlags({ metricsAddress: '' }))) names.add(`--${flagName(k)}`);
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (e === 'node_modules' || e === 'dist') return [];
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Starts a built service binary, waits for its metrics endpoint and returns the metric names. */
async function scrapeNames(bin: string, args: string[], children: ChildProcess[]): Promise<Set<string>> {
  const child = spawn(bin, [...args, '--metrics-address=127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } });
  children.push(child);
  const port = await new Promise<number>((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`${bin} did not report its metrics port:\n${err}`)), 20_000);
    child.stderr?.on('data', (d) => {
      err += String(d);
      const m = /"metrics endpoint listening".*?"port":(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    child.once('exit', (code) => rej(new Error(`${bin} exited ${code}:\n${err}`)));
  });
  // The endpoint listens before the service has registered its own metrics: scrape once it is ready.
  const deadline = Date.now() + 20_000;
  while ((await fetch(`http://127.0.0.1:${port}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${bin} never became ready`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}

describe('user docs describe only what exists', () => {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'wk-docs-'));
  after(() => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('has the five user guides, each linked from the index', () => {
    const index = docs.find((d) => d.name === 'README.md')?.text ?? '';
    for (const page of ['install.md', 'eks-hybrid.md', 'cni-compatibility.md', 'troubleshooting.md', 'metrics.md', 'wirekubectl.md']) {
      assert.ok(existsSync(join(DOCS, page)), page);
      assert.ok(index.includes(`](${page})`), `README.md does not link ${page}`);
    }
  });

  it('every relative link resolves', () => {
    const broken: string[] = [];
    for (const d of docs) {
      for (const [, target] of d.text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(resolve(DOCS, target))) broken.push(`${d.name}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('every --flag is a flag of a WireKube program or of a named external tool', () => {
    const known = wireKubeFlags();
    const unknown = docs.flatMap((d) => [...d.text.matchAll(/(?<![\w-])--[a-z][a-z-]*[a-z]/g)].map((m) => m[0]).filter((f) => !known.has(f) && !EXTERNAL_FLAGS.has(f) && !NODE_FLAGS.has(f) && !SCALE_BENCH_FLAGS.includes(f)).map((f) => `${d.name}: ${f}`));
    assert.deepEqual([...new Set(unknown)], []);
    const scaleBench = readFileSync(join(ROOT, 'bench/src/scale/run.ts'), 'utf8');
    assert.deepEqual(SCALE_BENCH_FLAGS.filter((f) => !scaleBench.includes(`arg('${f.slice(2)}'`)), [], 'the scale benchmark reads every option scale.md names');
  });

  it('every metric in metrics.md is exported by the code', async () => {
    const relayBin = join(ROOT, 'apps/relay/bin/wirekube-relay');
    const probeBin = join(ROOT, 'apps/stun-probe/bin/wirekube-stun-probe');
    const relay = await scrapeNames(relayBin, ['--data-address=127.0.0.1:0', '--control-address=127.0.0.1:0', `--key-file=${join(dir, 'relay.key')}`], children);
    const stun = await scrapeNames(probeBin, ['serve', '--listen-ips=127.0.0.1', `--stun-port=${await freeUdpPort()}`, '--alt-port=0'], children);
    const scraped = new Set([...relay, ...stun]);
    const sources = sourceFiles(join(ROOT, 'apps')).concat(sourceFiles(join(ROOT, 'libs'))).map((f) => readFileSync(f, 'utf8')).join('\n');
    const documented = new Set([...readFileSync(join(DOCS, 'metrics.md'), 'utf8').matchAll(/`(wirekube_[a-z_]+)`/g)].map((m) => m[1]));
    const missing = [...documented].filter((name) => {
      if (scraped.has(name) || sources.includes(`'${name}'`)) return false;
      // Process metrics are prom-client's defaults under every service's prefix: seen on the relay.
      const m = /^wirekube_(agent|stun_probe|gateway_controller)_((process|nodejs)_.+)$/.exec(name);
      return !(m && relay.has(`wirekube_relay_${m[2]}`));
    });
    assert.deepEqual(missing, []);
    assert.ok(documented.size >= 30, `only ${documented.size} metrics documented`);
    assert.ok(relay.has('wirekube_relay_sessions') && stun.has('wirekube_stun_probe_stun_requests_total'), 'the scrape worked');
  });
});

