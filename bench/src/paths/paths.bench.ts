// Direct-path benchmark on the NAT lab (issue 9, DESIGN §11), printing side by side per run, with
// median and worst:
//  1. time to direct, cone↔cone: two port-restricted-cone sites, from the later agent's spawn (and
//     from its "agent running" line) to both agents listing the other as direct over AgentAdmin,
//     polled every 50 ms (target ≤ 5 s);
//  2. traffic outage after a silent blackhole of the direct path (UDP between the two sites dropped
//     on the internet segment; the TCP relay survives), one way then both ways, measured as the
//     longest run of unanswered requests of a 10 pps ping (target ≤ 3 s);
//  3. packets lost at 10 pps while the pair upgrades from the relay back to direct once the
//     blackhole is cleared (target 0–2).
// Each run is a fresh lab (API stand-in, relay, STUN, and per node wireguard-go, stun-probe, agent
// as separate processes, as in e2e/src/suites/agent).
// Run as root from the repo root, alone:
//   flock /tmp/wk-bench.lock npx tsx --tsconfig bench/tsconfig.json bench/src/paths/paths.bench.ts [runs=3]
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleAgent, getPeers, meshIpOf, peerPathReader, startMeshNode, startMeshServices, type PeerPath } from '@wirekube/agent-lab';
import { Lab, type TopologySpec } from '@wirekube/lab';
import { PingFlow, type FlowStats } from './ping-flow';

const TOPOLOGY: TopologySpec = {
  sites: [
    { name: 'cone-a', nat: 'port-restricted', nodes: ['a'] },
    { name: 'cone-b', nat: 'port-restricted', nodes: ['b'] },
  ],
};
const POLL_MS = 50;
/** How long a blackhole stays before it is cleared (well past the 3 s failover target). */
const BLACKHOLE_MS = 8000;

/** One run's figures (undefined: that step did not happen within its deadline). */
interface RunFigures {
  toDirectMs?: number;
  /** From the later "agent running" log line (agent bundle loaded, device adopted, API synced). */
  runningToDirectMs?: number;
  /** Of that: until both agents had their first NAT report (punching waits for it). */
  runningToReportsMs?: number;
  /** Of that: from the first punch request to both ends listing direct (punch + proof). */
  punchToDirectMs?: number;
  upgradeLost: (number | undefined)[];
  outageOneWayMs?: number;
  outageTwoWayMs?: number;
  notes: string[];
}

/** Both agents' view of each other, read over their admin sockets. */
class PairView {
  private readonly ra;
  private readonly rb;
  constructor(lab: Lab) {
    this.ra = peerPathReader(lab.host('a'));
    this.rb = peerPathReader(lab.host('b'));
  }
  async read(): Promise<[PeerPath | undefined, PeerPath | undefined]> {
    const get = async (r: typeof this.ra, peer: string) => (await r.read(1000).catch(() => [])).find((p) => p.peer === peer);
    return Promise.all([get(this.ra, 'b'), get(this.rb, 'a')]);
  }
  /** Polls until both ends report `path`; resolves with Date.now() of that poll, or undefined after `timeoutMs`. */
  async until(path: PeerPath['path'], timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [x, y] = await this.read();
      if (x?.path === path && y?.path === path) return Date.now();
      await sleep(POLL_MS);
    }
    return undefined;
  }
  close(): void {
    this.ra.close();
    this.rb.close();
  }
}

async function oneRun(agentBin: string): Promise<RunFigures> {
  const fig: RunFigures = { upgradeLost: [], notes: [] };
  const lab = await Lab.up(TOPOLOGY);
  let view: PairView | undefined;
  try {
    const services = await startMeshServices(lab);
    const nodes = await Promise.all(['a', 'b'].map((n) => startMeshNode(lab, services, lab.host(n), agentBin)));
    const t0 = Math.max(...nodes.map((n) => n.agentStartedAt));
    const running = Promise.all(nodes.map(async (n) => Date.parse((await n.agent.waitForOutput(/"time":"([^"]+)"[^}]*"msg":"agent running"/, 30_000))[1]!)));
    view = new PairView(lab);
    const direct = await view.until('direct', 30_000);
    if (direct === undefined) {
      const [x, y] = await view.read();
      fig.notes.push(`never direct within 30 s: a→b ${x?.path} (${x?.reason}); b→a ${y?.path} (${y?.reason})`);
      return fig;
    }
    fig.toDirectMs = direct - t0;
    const lastRunning = Math.max(...(await running));
    fig.runningToDirectMs = direct - lastRunning;
    const reports = nodes.map((n) => logTime(n.agent.output, /"msg":"NAT report received"/));
    const punch = Math.min(...nodes.map((n) => logTime(n.agent.output, /"msg":"asked the peer to punch"/) ?? Infinity));
    if (reports.every((t) => t !== undefined)) fig.runningToReportsMs = Math.max(...(reports as number[])) - lastRunning;
    if (Number.isFinite(punch)) fig.punchToDirectMs = direct - punch;
    if (fig.toDirectMs > 5000) {
      // Over the target: keep what each agent said about the punch, to say why.
      for (const n of nodes) fig.notes.push(...n.agent.output.filter((l) => /punch|path changed/.test(l)).slice(0, 12).map((l) => `${n.name}: ${l.slice(4, 320)}`));
    }
    const peers = await getPeers(services);
    const ipOfB = meshIpOf(peers.find((p) => p.metadata.name === 'b')!)!;

    for (const bothWays of [false, true]) {
      // Failover: a steady flow over the direct path, then UDP between the sites silently dropped.
      const flow = new PingFlow(lab.host('a'), ipOfB, bothWays ? 'two-way' : 'one-way');
      await flow.firstAnswer(5000);
      await sleep(1500);
      const atFault = flow.answered().at(-1) ?? 0;
      const fault = await lab.faults.blackhole({ from: 'cone-a', to: 'cone-b', bothWays });
      const relayed = await view.until('relay', BLACKHOLE_MS);
      const recovered = await flow.resumed(atFault, BLACKHOLE_MS);
      const stats: FlowStats = await flow.stop();
      const what = `${bothWays ? 'two' : 'one'}-way blackhole`;
      if (relayed === undefined) fig.notes.push(`${what}: not on the relay within ${BLACKHOLE_MS} ms`);
      if (!recovered) fig.notes.push(`${what}: the flow did not recover within ${BLACKHOLE_MS} ms`);
      const out = recovered ? stats.outageMs : undefined;
      if (bothWays) fig.outageTwoWayMs = out;
      else fig.outageOneWayMs = out;
      // Upgrade: with the flow running over the relay, clear the fault and wait for direct again.
      const upgrade = new PingFlow(lab.host('a'), ipOfB, 'upgrade');
      await upgrade.firstAnswer(5000);
      await fault.clear();
      const back = await view.until('direct', 40_000);
      if (back !== undefined) await sleep(2000);
      const up = await upgrade.stop();
      fig.upgradeLost.push(back === undefined ? undefined : up.lost);
      if (back === undefined) {
        fig.notes.push('not direct again within 40 s of clearing the blackhole');
        break;
      }
    }
    return fig;
  } finally {
    view?.close();
    await lab.down();
  }
}

/** The agent-side time of the first JSON log line matching `re`. */
function logTime(lines: readonly string[], re: RegExp): number | undefined {
  const line = lines.find((l) => re.test(l));
  const m = line && /"time":"([^"]+)"/.exec(line);
  return m ? Date.parse(m[1]!) : undefined;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function report(runs: RunFigures[], load: string): string {
  const lines: [string, (r: RunFigures) => (number | undefined)[], (v: number) => string, string][] = [
    ['time to direct, cone↔cone (from spawn)', (r) => [r.toDirectMs], (v) => `${(v / 1000).toFixed(2)} s`, '≤ 5 s'],
    ['  of which after "agent running"', (r) => [r.runningToDirectMs], (v) => `${(v / 1000).toFixed(2)} s`, ''],
    ['    running → both NAT reports', (r) => [r.runningToReportsMs], (v) => `${(v / 1000).toFixed(2)} s`, ''],
    ['    punch request → both direct', (r) => [r.punchToDirectMs], (v) => `${(v / 1000).toFixed(2)} s`, ''],
    ['outage, one-way blackhole (10 pps)', (r) => [r.outageOneWayMs], (v) => `${(v / 1000).toFixed(1)} s`, '≤ 3 s'],
    ['outage, two-way blackhole (10 pps)', (r) => [r.outageTwoWayMs], (v) => `${(v / 1000).toFixed(1)} s`, '≤ 3 s'],
    ['lost upgrading relay→direct (10 pps)', (r) => r.upgradeLost, (v) => `${v}`, '0–2'],
  ];
  const rows = lines.map(([name, pick, fmt, target]) => {
    const per = runs.map((r) => pick(r).map((v) => (v === undefined ? 'n/a' : fmt(v))).join(' / '));
    const all = runs.flatMap((r) => pick(r)).filter((v): v is number => v !== undefined);
    return [name, ...per, all.length ? fmt(median(all)) : 'n/a', all.length ? fmt(Math.max(...all)) : 'n/a', target];
  });
  const header = ['figure', ...runs.map((_, i) => `run ${i + 1}`), 'median', 'worst', 'target'];
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const text = table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  const notes = runs.flatMap((r, i) => r.notes.map((n) => `run ${i + 1}: ${n}`));
  return [`paths bench (load before: ${load})`, ...text, ...notes].join('\n');
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const { readFileSync } = await import('node:fs');
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const agentBin = await bundleAgent();
  const figures: RunFigures[] = [];
  for (let i = 0; i < runs; i++) {
    figures.push(await oneRun(agentBin));
    process.stderr.write(`run ${i + 1}/${runs} done\n`);
  }
  process.stdout.write(`${report(figures, load)}\nload after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
