// Child process of the scale benchmark: ONE real agent (see real-agent.ts) alone in its process,
// joining a mesh that already has `peers` other nodes in the API. Reports its RSS and heap once
// converged, the CPU of the start (lists, first plan, every peer added), the CPU of a full
// reconcile (every peer translated, planned and diffed against the device and the host, which are
// read back whole; the status built), and the CPU from one peer's edit in the API to the edit in the
// device (the watch event decoded, then such a reconcile carrying one real change).
//   argv: <api url> <name> <peers>   IPC out: { type: 'result', result: ProbeResult }
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { startRealAgent } from './real-agent';
import type { WireKubePeer } from '@wirekube/k8s';
import { mustCall, PEERS, until, type ProbeResult } from './fixtures';

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Waits until this process used under 10 % of a core for a whole second, or `timeoutMs`. */
async function idle(timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = cpuMs();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuMs();
    if (now - last < 100) return;
    last = now;
  }
}

/** Starts the V8 CPU profiler; the returned function stops it and resolves with the profile. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((ok, fail) => session.post(method, (err, res) => (err ? fail(err) : ok(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => ((await post('Profiler.stop')) as { profile: object }).profile;
}

async function main(): Promise<void> {
  const [url, name, peersArg] = process.argv.slice(2);
  const peers = Number(peersArg);
  const cpu0 = cpuMs();
  const a = await startRealAgent(url!, name!);
  const progress = setInterval(() => process.stderr.write(`[probe] ${a.devicePeers()}/${peers} peers in the device, ${a.agent.reconciles} reconciles\n`), 10_000);
  await until(`the probe agent's device to hold ${peers} peers`, 300_000, () => a.devicePeers() >= peers, 20);
  clearInterval(progress);
  const firstReconcileCpuMs = cpuMs() - cpu0;
  // Let the status write, the stats tick and the informers settle (at 5000 nodes the API server can
  // still be delivering the churn's backlog), then measure at rest.
  await new Promise((r) => setTimeout(r, 3000));
  await idle(120_000);
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  const rounds = 20;
  // SCALE_PROFILE=<file>: a CPU profile (.cpuprofile) of just the measured reconciles.
  const profile = process.env.SCALE_PROFILE ? await startProfile() : undefined;
  let cpu = 0;
  let wall = 0;
  for (let i = 0; i < rounds; i++) {
    const before = a.agent.reconciles;
    const c = cpuMs();
    const t = performance.now();
    a.agent.kick();
    await until('a reconcile', 60_000, () => a.agent.reconciles > before, 1);
    cpu += cpuMs() - c;
    wall += performance.now() - t;
  }
  // One peer changes at a time: a simulated node (one churn left in place) gains a prefix, as when
  // a node's pod CIDR changes.
  const listed = JSON.parse(await mustCall(url!, 'GET', PEERS)) as { items: WireKubePeer[] };
  const edited = listed.items.filter((p) => p.metadata?.name?.startsWith('sim-')).slice(-rounds);
  let changeCpu = 0;
  let changeWall = 0;
  for (const [i, peer] of edited.entries()) {
    const cidr = `100.120.${i}.0/24`;
    const c = cpuMs();
    const t = performance.now();
    await mustCall(url!, 'PATCH', `${PEERS}/${peer.metadata!.name}`, { spec: { allowedIPs: [...peer.spec!.allowedIPs!, cidr] } }, 'application/merge-patch+json');
    await until(`${peer.metadata!.name}'s new prefix in the probe's device`, 60_000, () => a.deviceAllows(peer.spec!.publicKey, cidr), 1);
    changeCpu += cpuMs() - c;
    changeWall += performance.now() - t;
  }
  if (profile) writeFileSync(process.env.SCALE_PROFILE!, JSON.stringify(await profile()));
  const result: ProbeResult = {
    peers,
    devicePeers: a.devicePeers(),
    rssMb: mem.rss / 2 ** 20,
    heapMb: mem.heapUsed / 2 ** 20,
    firstReconcileCpuMs,
    reconcileCpuMs: cpu / rounds,
    reconcileWallMs: wall / rounds,
    changeCpuMs: changeCpu / edited.length,
    changeWallMs: changeWall / edited.length,
  };
  process.send?.({ type: 'result', result });
  await a.close();
  process.disconnect?.();
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
