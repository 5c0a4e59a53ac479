// Control-plane scale benchmark (issue 12, DESIGN §11). For each mesh size it runs, each in its
// own process: the API test double, N−4 simulated nodes (sim-nodes.ts: the exact API traffic of an
// agent), 4 REAL agents (agent-sample.ts: Agent + KubeMeshApi + client-node, recording WireGuard),
// and finally one more real agent alone (agent-probe.ts) for RSS and CPU per full reconcile.
// Measures API requests/s and watch events/s at steady state and during churn (10 membership
// changes per second), and the time from a node's WireKubePeer creation to its key in the
// WireGuard config of every real agent (and to its ADDED event on every simulated node's watch).
// Writes the table into docs/scale.md (between the result markers) and the plot to docs/scale.svg.
//   npx tsx bench/src/scale/run.ts [--sizes 100,1000,5000] [--steady 30] [--churn 20] [--no-write]
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { wireKubeCrds } from '@wirekube/k8s';
import { meshObject, MESHES, mustCall, nodeObject, parallel, PEERS, simName, simPeer, until, type ProbeResult, type SeenMessage, type ServerStats, type SimSeen } from './fixtures';
import { renderMarkdown, renderSvg, spliceResults, type ScaleRow, type Window } from './report';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const SIZES = arg('sizes', '100,1000,5000').split(',').map(Number);
const STEADY_S = Number(arg('steady', '30'));
const CHURN_S = Number(arg('churn', '20'));
const SAMPLE = 4;
const ROOT = resolve(__dirname, '../../..');

/** Forks a TypeScript child of this directory with IPC (tsx, the bench tsconfig's path aliases). */
function child(file: string, args: string[]): ChildProcess {
  return fork(resolve(__dirname, file), args, { cwd: resolve(__dirname, '../..'), execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * Bundles the probe agent as the agent ships (esbuild, workspace libs inlined, node_modules
 * external, with tools/bundle.mjs) so its RSS is not inflated by the TypeScript loader.
 */
function bundleProbe(): string {
  const outfile = resolve(ROOT, 'bench/dist/scale-agent-probe.js');
  execFileSync(process.execPath, [resolve(ROOT, 'tools/bundle.mjs'), resolve(__dirname, 'agent-probe.ts'), outfile], { cwd: ROOT, stdio: 'inherit' });
  return outfile;
}

/** The NODE_OPTIONS the agent's DaemonSet gives its container, so the probe runs as shipped. */
function shippedNodeOptions(): string[] {
  const daemonSet = parse(readFileSync(resolve(ROOT, 'deploy/base/agent-daemonset.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } };
  };
  const agent = daemonSet.spec.template.spec.containers.find((c) => c.name === 'agent');
  const value = agent?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
  return value ? value.split(/\s+/) : [];
}

/** The next IPC message of `type` from `c`. */
function next<T>(c: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${type} from ${c.spawnargs.join(' ')} in ${timeoutMs} ms`)), timeoutMs);
    const onMsg = (m: { type?: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      c.off('message', onMsg);
      c.off('exit', onExit);
      done(m as T);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      fail(new Error(`${c.spawnargs.join(' ')} exited (${code}) before sending ${type}`));
    };
    c.on('message', onMsg);
    c.once('exit', onExit);
  });
}

async function stats(server: ChildProcess): Promise<ServerStats> {
  const m = next<{ stats: ServerStats }>(server, 'stats', 30_000);
  server.send({ type: 'stats' });
  return (await m).stats;
}

function windowOf(a: ServerStats, b: ServerStats, seconds: number, nodes: number): Window {
  const per = (k: keyof ServerStats) => (b[k] - a[k]) / seconds;
  return {
    seconds,
    reads: per('reads'),
    writes: per('writes'),
    watches: per('watches'),
    events: per('events'),
    eventsPerWatcher: per('events') / Math.max(1, b.openWatches),
    serverCpuPct: (per('cpuMs') / 1000) * 100,
    writesPerNodePer30s: (per('writes') * 30) / nodes,
  };
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]! : NaN);

async function runSize(n: number, probeBundle: string): Promise<ScaleRow> {
  const t0 = Date.now();
  const sims = n - SAMPLE;
  const children: ChildProcess[] = [];
  const spawnChild = (file: string, args: string[]) => {
    const c = child(file, args);
    children.push(c);
    return c;
  };
  try {
    const server = spawnChild('api-server.ts', []);
    const { url } = await next<{ url: string }>(server, 'url', 30_000);
    for (const crd of wireKubeCrds) await mustCall(url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    await mustCall(url, 'POST', MESHES, meshObject());
    const agentNames = Array.from({ length: SAMPLE }, (_, i) => `agent-${i}`);
    await parallel(agentNames, 4, async (name) => void (await mustCall(url, 'POST', '/api/v1/nodes', nodeObject(name, 60_000 + Number(name.slice(6))))));
    await parallel(Array.from({ length: sims }, (_, i) => i), 32, async (i) => {
      const node = JSON.parse(await mustCall(url, 'POST', '/api/v1/nodes', nodeObject(simName(i), i))) as { metadata: { uid: string } };
      await mustCall(url, 'POST', PEERS, simPeer(i, node.metadata.uid));
    });
    log(n, `seeded ${sims} simulated nodes in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const sim = spawnChild('sim-nodes.ts', [url, String(sims)]);
    await next(sim, 'ready', 600_000);
    log(n, 'simulated nodes wrote their status and opened their watches');
    const sample = spawnChild('agent-sample.ts', [url, ...agentNames]);
    await next(sample, 'ready', 300_000);
    const counts = async () => {
      const m = next<{ agents: Array<{ name: string; devicePeers: number; reconciles: number; statusWrites: number }> }>(sample, 'counts', 30_000);
      sample.send({ type: 'counts' });
      return (await m).agents;
    };
    log(n, 'real agents started');
    await until('every real agent to hold every peer', 600_000, async () => (await counts()).every((a) => a.devicePeers >= n - 1), 500);
    log(n, `real agents converged ${((Date.now() - t0) / 1000).toFixed(0)} s after start`);
    const seen: SeenMessage[] = [];
    sample.on('message', (m: SeenMessage) => m.type === 'seen' && seen.push(m));
    sample.send({ type: 'arm' });
    // Let the joins' own writes (the real agents' statuses) pass before the steady window.
    await new Promise((r) => setTimeout(r, 5000));

    const s0 = await stats(server);
    const c0 = await counts();
    await new Promise((r) => setTimeout(r, STEADY_S * 1000));
    const s1 = await stats(server);
    const c1 = await counts();
    const steady = windowOf(s0, s1, STEADY_S, n);
    const agentWrites = c1.reduce((a, c, i) => a + c.statusWrites - c0[i]!.statusWrites, 0) / SAMPLE;

    // Churn: every 100 ms one node joins or one leaves (5 + 5 per second), membership stays N.
    const joined: Array<{ name: string; key: string; createdAtMs: number }> = [];
    const onJoined = (m: { type: string; name: string; key: string; createdAtMs: number }) => m.type === 'joined' && joined.push(m);
    sim.on('message', onJoined);
    let nextJoin = sims;
    let nextLeave = 0;
    const s2 = await stats(server);
    const churnStart = Date.now();
    for (let k = 0; Date.now() - churnStart < CHURN_S * 1000; k++) {
      sim.send(k % 2 === 0 ? { type: 'join', index: nextJoin++ } : { type: 'leave', index: nextLeave++ });
      await new Promise((r) => setTimeout(r, Math.max(0, churnStart + (k + 1) * 100 - Date.now())));
    }
    const s3 = await stats(server);
    const churn = windowOf(s2, s3, (Date.now() - churnStart) / 1000, n);
    const joins = nextJoin - sims;
    await until('every join to reach every real agent', 30_000, () => joined.length === joins && joined.every((j) => new Set(seen.filter((s) => s.key === j.key).map((s) => s.agent)).size === SAMPLE), 200).catch((err: unknown) => log(n, String(err)));
    log(n, `churn: ${joins} joins sent, ${joined.length} joined, ${seen.length} seen by real agents`);
    const report = next<{ seen: SimSeen[]; writes: number; errors: number }>(sim, 'report', 30_000);
    sim.send({ type: 'report' });
    const simReport = await report;
    const toAgents = joined.map((j) => Math.max(...agentNames.map((a) => (seen.find((s) => s.key === j.key && s.agent === a)?.atMs ?? Infinity) - j.createdAtMs)));
    const bySim = new Map(simReport.seen.map((s) => [s.name, s]));
    const toSims = joined.map((j) => {
      const s = bySim.get(j.name);
      return s && s.watchers >= s.expected ? s.lastMs - j.createdAtMs : Infinity;
    });

    // One more real agent, alone in its process, joining the N-node mesh.
    await mustCall(url, 'POST', '/api/v1/nodes', nodeObject('probe-0', 60_100));
    const probe = fork(probeBundle, [url, 'probe-0', String(n)], { execArgv: ['--expose-gc', ...shippedNodeOptions()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(probe);
    const { result } = await next<{ result: ProbeResult }>(probe, 'result', 600_000);
    log(n, `done in ${((Date.now() - t0) / 1000).toFixed(0)} s (sim errors: ${simReport.errors})`);
    return {
      nodes: n,
      steady,
      churn,
      realAgentWritesPer30s: (agentWrites * 30) / STEADY_S,
      joins,
      joinToAgentsMs: { p50: pct(toAgents, 50), max: Math.max(...toAgents) },
      joinToWatchesMs: { p50: pct(toSims, 50), max: Math.max(...toSims) },
      probe: result,
      simErrors: simReport.errors,
      loadAvg: loadavg()[0]!,
    };
  } finally {
    for (const c of children) if (c.connected) c.disconnect();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  }
}

function log(n: number, what: string): void {
  process.stderr.write(`[scale ${n}] ${what}\n`);
}

async function main(): Promise<void> {
  const rows: ScaleRow[] = [];
  const loadBefore = loadavg()[0]!;
  const probeBundle = bundleProbe();
  for (const n of SIZES) rows.push(await runSize(n, probeBundle));
  const meta = { command: `npx tsx bench/src/scale/run.ts ${process.argv.slice(2).join(' ')}`.trim(), node: process.version, cores: cpus().length, loadBefore, steadySeconds: STEADY_S, churnSeconds: CHURN_S, sample: SAMPLE, date: new Date().toISOString() };
  const table = renderMarkdown(rows, meta);
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--no-write')) return;
  const doc = resolve(ROOT, 'docs/scale.md');
  writeFileSync(doc, spliceResults(readFileSync(doc, 'utf8'), table));
  writeFileSync(resolve(ROOT, 'docs/scale.svg'), renderSvg(rows));
  process.stderr.write(`wrote docs/scale.md and docs/scale.svg\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
