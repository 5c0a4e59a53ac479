// Agent benchmark on the NAT lab, printing every figure issue 8 asks for side by side:
//  1. agent start → all-pairs ping over WireGuard for the e2e topology (public, port-restricted
//     cone, symmetric, UDP-blocked; two nodes each), and → every WireKubePeer Connected;
//  2. agent RSS and CPU at rest (per agent, after convergence, over a 10 s window);
//  3. packets lost at 10 pps while one agent restarts;
//  4. two symmetric-NAT nodes: time from both agents ready ("agent running") to the first ping
//     over WireGuard (target ≤ 1 s).
// Everything runs as separate processes exactly as in e2e/src/suites/agent.
// Run as root from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/agent/agent.bench.ts [all|mesh|symmetric] [rounds]
// (`symmetric` repeats scenario 4 `rounds` times, default 1, and prints each figure.)
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { bundleAgent, getPeers, meshIpOf, startMeshNode, startMeshServices, type MeshNode } from '@wirekube/agent-lab';
import { Lab, type LabHost, type LabProcess } from '@wirekube/lab';
import { deriveMeshIp } from '@wirekube/planner';

const TOPOLOGY = {
  sites: [
    { name: 'pub', nat: 'public' as const, nodes: ['p1', 'p2'] },
    { name: 'prc', nat: 'port-restricted' as const, nodes: ['c1', 'c2'] },
    { name: 'sym', nat: 'symmetric' as const, nodes: ['s1', 's2'] },
    { name: 'blk', nat: 'udp-blocked' as const, nodes: ['u1', 'u2'] },
  ],
};

async function until<T>(timeoutMs: number, check: () => Promise<T | undefined>, pauseMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

const pings = (h: LabHost, ip: string, wait = '1') => h.exec(['ping', '-n', '-q', '-c1', `-W${wait}`, ip], { allowFail: true }).then((r) => r.code === 0);

/** RSS (MB) now and CPU (% of one core) over `ms` for each pid, from /proc. */
async function atRest(pids: number[], ms: number): Promise<Array<{ rssMb: number; cpuPct: number }>> {
  const ticks = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const before = pids.map(ticks);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const secs = (performance.now() - t0) / 1000;
  return pids.map((pid, i) => ({
    rssMb: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024,
    cpuPct: ((ticks(pid) - before[i]!) / 100 / secs) * 100,
  }));
}

async function meshTopology(agentBin: string): Promise<Record<string, string>> {
  const lab = await Lab.up(TOPOLOGY);
  try {
    const services = await startMeshServices(lab);
    const names = TOPOLOGY.sites.flatMap((s) => s.nodes);
    const nodes: MeshNode[] = await Promise.all(names.map((n) => startMeshNode(lab, services, lab.host(n), agentBin)));
    // From the first agent's spawn (WireGuard, sidecars and Node objects are set up before it).
    const t0 = Math.min(...nodes.map((n) => n.agentStartedAt));
    const ips = await until(60_000, async () => {
      const ps = await getPeers(services);
      return ps.length === names.length && ps.every(meshIpOf) ? new Map(ps.map((p) => [p.metadata.name, meshIpOf(p)!])) : undefined;
    });
    await until(120_000, async () => {
      const ok = await Promise.all(names.flatMap((a) => names.filter((b) => b !== a).map((b) => pings(lab.host(a), ips.get(b)!))));
      return ok.every(Boolean) ? true : undefined;
    });
    const allPairsMs = Date.now() - t0;
    await until(60_000, async () => ((await getPeers(services)).every((p) => p.status?.connected) ? true : undefined));
    const connectedMs = Date.now() - t0;

    await new Promise((r) => setTimeout(r, 5000));
    const rest = await atRest(nodes.map((n) => n.agent.pid), 10_000);
    const rss = rest.map((r) => r.rssMb);
    const cpu = rest.map((r) => r.cpuPct);

    const c1 = nodes.find((n) => n.name === 'c1')!;
    const flow = lab.host('c1').exec(['ping', '-n', '-q', '-c150', '-i0.1', '-W1', ips.get('s1')!], { allowFail: true });
    await new Promise((r) => setTimeout(r, 1000));
    await restartAndWait(c1.agent);
    const m = /(\d+) packets transmitted, (\d+) received/.exec((await flow).stdout)!;
    return {
      'agent start → all 56 pairs ping (8 nodes, 4 NAT types)': `${(allPairsMs / 1000).toFixed(1)} s`,
      'agent start → every WireKubePeer Connected': `${(connectedMs / 1000).toFixed(1)} s`,
      'agent RSS at rest (min / max of 8)': `${Math.min(...rss).toFixed(0)} / ${Math.max(...rss).toFixed(0)} MB`,
      'agent CPU at rest (min / max of 8, % of a core)': `${Math.min(...cpu).toFixed(2)} / ${Math.max(...cpu).toFixed(2)} %`,
      'packets lost at 10 pps during an agent restart': `${Number(m[1]) - Number(m[2])} / ${m[1]}`,
    };
  } finally {
    await lab.down();
  }
}

async function restartAndWait(agent: LabProcess): Promise<void> {
  await agent.restart();
  await agent.waitForOutput(new RegExp(`"agent running","service":"agent","pid":${agent.pid}`), 30_000);
}

async function symmetricPair(agentBin: string): Promise<Record<string, string>> {
  const lab = await Lab.up({ sites: [{ name: 'sym-a', nat: 'symmetric', nodes: ['sa'] }, { name: 'sym-b', nat: 'symmetric', nodes: ['sb'] }] });
  try {
    const services = await startMeshServices(lab);
    const ipB = deriveMeshIp({ node: 'sb', meshCidr: '10.250.0.0/16', claims: [] });
    if (!ipB.ok) throw new Error(ipB.reason);
    const [a, b] = await Promise.all([startMeshNode(lab, services, lab.host('sa'), agentBin), startMeshNode(lab, services, lab.host('sb'), agentBin)]);
    const readyAt = async (n: MeshNode) => Date.parse(JSON.parse((await n.agent.waitForOutput(/^\{.*"agent running".*\}$/, 30_000))[0]).time as string);
    const ready = Math.max(await readyAt(a), await readyAt(b));
    // Short reply timeout and no pause, so the figure is not rounded up to the next probe.
    await until(60_000, async () => ((await pings(lab.host('sa'), ipB.ip, '0.2')) ? true : undefined), 0);
    return { 'symmetric ↔ symmetric: both agents ready → first ping over WireGuard (target ≤ 1 s)': `${((Date.now() - ready) / 1000).toFixed(2)} s` };
  } finally {
    await lab.down();
  }
}

async function main(): Promise<void> {
  const [what = 'all', rounds = '1'] = process.argv.slice(2);
  const agentBin = await bundleAgent();
  const rows: Record<string, string> = what === 'symmetric' ? {} : await meshTopology(agentBin);
  if (what !== 'mesh') {
    const runs: string[] = [];
    for (let i = 0; i < Number(rounds); i++) runs.push(Object.values(await symmetricPair(agentBin))[0]!);
    rows['symmetric ↔ symmetric: both agents ready → first ping over WireGuard (target ≤ 1 s)'] = runs.join(', ');
  }
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  for (const [k, v] of Object.entries(rows)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
