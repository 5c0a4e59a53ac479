// Gateway control-plane figures, side by side in one run, against the real gateway-controller
// process and the Kubernetes API TEST DOUBLE (in this process), with GatewayAgent objects over
// real gRPC on loopback standing in for the agents (in-memory SNAT, probes the bench controls):
//   1. failover latency for failureThreshold 1, 2 and 3 (health interval 1 s, timeout 1 s): from the
//      moment the active candidate's probes start failing until (a) status.activePeer names the other
//      candidate, (b) the new active's agent has its MASQUERADE rules, (c) every client agent routes
//      the CIDRs via the new active;
//   2. steady state: writes to the WireKubeGateway object per minute while nothing changes.
// Run from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/gateway/failover.bench.ts [rounds] [clients]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { credentials } from '@grpc/grpc-js';
import { CoreV1Api } from '@kubernetes/client-node';
import { GatewayAgent } from '@wirekube/gateway-agent';
import { FakeSnat, FakeSysctl } from '@wirekube/gateway-agent/testing';
import type { WireKubeGateway, WireKubePeer } from '@wirekube/k8s';
import { startTestCluster } from '@wirekube/k8s/testing';
import { GatewayControlClient } from '@wirekube/proto';

const ROUNDS = Number(process.argv[2] ?? 3);
const CLIENTS = Number(process.argv[3] ?? 50);
const ROOT = resolve(__dirname, '../../..');
const KEY = `${'A'.repeat(43)}=`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<number> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > ms) throw new Error('timed out');
    await sleep(10);
  }
  return performance.now();
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0).padStart(5)} ms  min ${s[0]!.toFixed(0).padStart(5)}  max ${s[s.length - 1]!.toFixed(0).padStart(5)}`;
}

async function main(): Promise<void> {
  const cluster = await startTestCluster();
  const dir = mkdtempSync(join(tmpdir(), 'wk-gw-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, cluster.server.kubeconfig(), { mode: 0o600 });
  const port = await freePort();
  const ctl = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(ROOT, 'apps/gateway-controller/src/main.ts'), `--kubeconfig=${kubeconfig}`, `--grpc-address=127.0.0.1:${port}`, '--lease-namespace=default', '--identity=bench', '--metrics-address=', '--retry-period=200ms'],
    { cwd: ROOT, env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'apps/gateway-controller/tsconfig.json'), OTEL_TRACES_EXPORTER: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  ctl.stdout!.on('data', (d) => (log += d));
  ctl.stderr!.on('data', (d) => (log += d));
  const agents: Array<{ agent: GatewayAgent; client: GatewayControlClient; snat: FakeSnat }> = [];
  try {
    await until(() => log.includes('leading: reconciling gateways'));
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const names = ['gw-a', 'gw-b', ...Array.from({ length: CLIENTS }, (_, i) => `edge-${i}`)];
    for (const [i, name] of names.entries()) {
      const ip = `172.16.${i >> 8}.${i & 255}`;
      await core.createNode({ body: { metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } } });
      await cluster.apis.peers.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name }, spec: { publicKey: KEY, allowedIPs: [`${ip}/32`] } } as WireKubePeer);
    }
    const failing = new Set<string>();
    for (const name of names) {
      const client = new GatewayControlClient(`127.0.0.1:${port}`, credentials.createInsecure());
      const snat = new FakeSnat();
      const agent = new GatewayAgent({
        nodeName: name,
        client,
        snat,
        sysctl: new FakeSysctl(),
        probe: async () => (failing.has(name) ? { ok: false, latencyMs: 1000, detail: 'timeout' } : { ok: true, latencyMs: 1, detail: 'ok' }),
      });
      agent.start();
      agents.push({ agent, client, snat });
    }
    const byName = new Map(agents.map((a, i) => [names[i]!, a]));
    const getGw = async (g: string) => (await cluster.apis.gateways.get(g))!;

    console.log(`gateway failover, ${CLIENTS} client agents, ${ROUNDS} failovers per row (health interval 1 s, timeout 1 s):`);
    for (const threshold of [1, 2, 3]) {
      const name = `vpc-t${threshold}`;
      failing.clear();
      await cluster.apis.gateways.create({
        apiVersion: 'wirekube.io/v1alpha1',
        kind: 'WireKubeGateway',
        metadata: { name },
        spec: { peerRefs: ['gw-a', 'gw-b'], routes: [{ cidr: `10.${100 + threshold}.0.0/24` }], healthCheck: { target: '10.100.0.10:80', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: threshold } },
      } as WireKubeGateway);
      await until(async () => (await getGw(name)).status?.ready === true);
      const status: number[] = [];
      const snat: number[] = [];
      const clients: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const from = (await getGw(name)).status!.activePeer!;
        const to = from === 'gw-a' ? 'gw-b' : 'gw-a';
        failing.clear();
        failing.add(from);
        const t0 = performance.now();
        const [ts, tn, tc] = await Promise.all([
          until(async () => (await getGw(name)).status?.activePeer === to),
          until(() => byName.get(to)!.snat.rules.some((x) => x.destination === `10.${100 + threshold}.0.0/24`)),
          until(() => names.slice(2).every((n) => byName.get(n)!.agent.status().host?.routeViaMesh.some((x) => x.gateway === name && x.via === to))),
        ]);
        status.push(ts - t0);
        snat.push(tn - t0);
        clients.push(tc - t0);
        failing.clear();
        await sleep(1500);
      }
      console.log(`  failureThreshold ${threshold}: status ${stats(status)} | new active SNAT ${stats(snat)} | all clients rerouted ${stats(clients)}`);
      await cluster.apis.gateways.delete(name);
    }

    const steady = 'vpc-steady';
    await cluster.apis.gateways.create({
      apiVersion: 'wirekube.io/v1alpha1',
      kind: 'WireKubeGateway',
      metadata: { name: steady },
      spec: { peerRefs: ['gw-a', 'gw-b'], routes: [{ cidr: '10.200.0.0/24' }], healthCheck: { target: '10.100.0.10:80', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 } },
    } as WireKubeGateway);
    await until(async () => (await getGw(steady)).status?.ready === true);
    await sleep(2000);
    const rv0 = Number((await getGw(steady)).metadata.resourceVersion);
    const windowMs = 20_000;
    let writes = 0;
    let last = rv0;
    const t0 = performance.now();
    while (performance.now() - t0 < windowMs) {
      const o = await getGw(steady);
      if (Number(o.metadata.resourceVersion) !== last) writes++;
      last = Number(o.metadata.resourceVersion);
      await sleep(200);
    }
    console.log(`steady state: ${writes} write(s) to the WireKubeGateway in ${windowMs / 1000} s with a probe report every second per candidate (${((writes * 60_000) / windowMs).toFixed(1)}/min)`);
  } finally {
    for (const a of agents) {
      await a.agent.stop();
      a.client.close();
    }
    ctl.kill('SIGTERM');
    await new Promise((r) => ctl.once('exit', r));
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
