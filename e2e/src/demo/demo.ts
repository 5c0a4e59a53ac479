import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Lab, loopbackToUnix, exposeFromLab, type LabProcess, type LoopbackBridge, type TopologySpec } from '../lab';
import { API_PORT, getPeers, meshIpOf, startMeshNode, startMeshServices, type MeshServices, type PeerObject } from '../suites/agent/mesh-lab';
import { formatMatrix, unreachablePairs, type PingMatrix } from './matrix';

const REPO = resolve(__dirname, '../../..');
const CRDS = join(REPO, 'deploy/crds');
const bin = (app: string, name: string) => join(REPO, 'apps', app, 'bin', name);

/**
 * The demo topology: one site per NAT type the mesh must cross, plus a VPC site whose `gw1` is the
 * candidate gateway for the VPC subnet (10.5.0.0/24, where `db` lives; db is not a mesh member).
 */
export const DEMO_TOPOLOGY: TopologySpec = {
  sites: [
    { name: 'pub', nat: 'public', nodes: ['p1', 'p2'] },
    { name: 'prc', nat: 'port-restricted', nodes: ['c1'] },
    { name: 'sym', nat: 'symmetric', nodes: ['s1'] },
    { name: 'blk', nat: 'udp-blocked', nodes: ['u1'] },
    { name: 'vpc', nat: 'port-restricted', nodes: ['gw1'], hosts: ['db'] },
  ],
};
const NODES = DEMO_TOPOLOGY.sites.flatMap((s) => s.nodes ?? []);
const VPC_CIDR = '10.5.0.0/24';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The agent binary to run on every node (the built `apps/agent/bin/wirekube-agent`). */
  agentBin: string;
  /** Where the kubeconfig and the graph are written; survives teardown. */
  outDir: string;
  /** Progress and results, one line or block per call. */
  print(text: string): void;
  /** How long the mesh may take to converge (every pair pinging) before the demo gives up. */
  convergeTimeoutMs?: number;
}

/** A running demo: the lab, the results it printed, and how to stop it. */
export interface Demo {
  lab: Lab;
  names: readonly string[];
  matrix: PingMatrix;
  peers: PeerObject[];
  kubeconfig: string;
  graphPath: string;
  /** Stops every process and removes the lab (namespaces, run directory). */
  down(): Promise<void>;
}

/**
 * Brings up the lab, starts the API test double, STUN servers, relay, gateway-controller and per
 * node wireguard-go + stun-probe + agent (each its own process), waits until every pair pings over
 * WireGuard while printing progress, then prints the peer table, the ping matrix, the graph file
 * and the kubeconfig. On failure everything started is torn down before the error is rethrown.
 */
export async function runDemo(o: DemoOptions): Promise<Demo> {
  mkdirSync(o.outDir, { recursive: true });
  o.print(`starting the lab: sites ${DEMO_TOPOLOGY.sites.map((s) => `${s.name} (${s.nat}: ${(s.nodes ?? []).join(', ')})`).join(', ')}`);
  const lab = await Lab.up(DEMO_TOPOLOGY);
  let bridge: LoopbackBridge | undefined;
  const down = async () => {
    await bridge?.close();
    await lab.down();
  };
  try {
    const services = await startMeshServices(lab);
    await services.kubectl(['apply', '-f', join(CRDS, 'wirekubegateways.yaml')]);
    o.print('control plane up: kube-api (in-memory TEST DOUBLE), 2 STUN servers, relay');

    // kubectl and wirekubectl on this machine reach the API inside the lab through a loopback pipe.
    const [exposed, controller] = await Promise.all([exposeFromLab(lab.host('api'), { port: API_PORT }), startGatewayController(lab, services)]);
    bridge = await loopbackToUnix(exposed.socketPath);
    const kubeconfig = writeHostKubeconfig(o.outDir, bridge.port);
    o.print('gateway-controller leading; WireKubeGateway "vpc" created');

    const t0 = Date.now();
    const gatewayFlag = `--gateway-controller-address=${lab.host('api').addr}:9475`;
    await Promise.all(NODES.map((n) => startMeshNode(lab, services, lab.host(n), o.agentBin, [gatewayFlag])));
    o.print(`started ${NODES.length} nodes: wireguard-go, stun-probe and the agent, each its own process`);

    const peers = await converge(lab, services, o, t0);
    const ips = new Map(peers.map((p) => [p.metadata.name, meshIpOf(p)!]));
    const matrix = await pingMatrix(lab, ips);
    o.print(`\nwirekubectl peers:\n${await wirekubectl(kubeconfig, ['peers'])}`);
    o.print(`ping matrix over WireGuard (row pings column):\n${formatMatrix(NODES, matrix)}`);
    const graphPath = join(o.outDir, 'mesh.svg');
    await wirekubectl(kubeconfig, ['graph', `--out=${graphPath}`]);
    o.print(`\ngraph written to ${graphPath}`);
    o.print(await gatewayReport(lab, services, controller, ips));
    o.print(`\npoint kubectl at the mesh's API (while the demo runs):\n  export KUBECONFIG=${kubeconfig}\n  kubectl get wirekubepeers`);
    return { lab, names: NODES, matrix, peers, kubeconfig, graphPath, down };
  } catch (err) {
    await down();
    throw err;
  }
}

/** Polls the WireKubePeers and pings until every pair answers, printing "k/N peers connected" on change. */
async function converge(lab: Lab, services: MeshServices, o: DemoOptions, t0: number): Promise<PeerObject[]> {
  const deadline = Date.now() + (o.convergeTimeoutMs ?? 120_000);
  let last = '';
  for (;;) {
    const peers = await getPeers(services).catch(() => [] as PeerObject[]);
    const connected = peers.filter((p) => p.status?.connected === true).length;
    const line = `${connected}/${NODES.length} peers connected`;
    if (line !== last) o.print(`  ${line} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    last = line;
    const ips = new Map(peers.flatMap((p) => (meshIpOf(p) ? [[p.metadata.name, meshIpOf(p)!] as const] : [])));
    if (connected === NODES.length && ips.size === NODES.length) {
      const failing = unreachablePairs(NODES, await pingMatrix(lab, ips));
      if (failing.length === 0) {
        o.print(`  mesh converged: every pair pings (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        return peers;
      }
      if (Date.now() > deadline) throw new Error(`the mesh did not converge: ${failing.join(' ')} do not ping`);
    } else if (Date.now() > deadline) {
      throw new Error(`the mesh did not converge: ${line}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Pings every node's mesh address from every other node (one echo each, 1 s wait). */
async function pingMatrix(lab: Lab, ips: ReadonlyMap<string, string>): Promise<PingMatrix> {
  const m: PingMatrix = new Map(NODES.map((n) => [n, new Map()]));
  await Promise.all(
    NODES.flatMap((a) =>
      NODES.filter((b) => b !== a).map(async (b) => {
        const ip = ips.get(b);
        const ok = ip !== undefined && (await lab.host(a).exec(['ping', '-n', '-q', '-c1', '-W1', ip], { allowFail: true })).code === 0;
        m.get(a)!.set(b, ok);
      }),
    ),
  );
  return m;
}

/** Runs the gateway-controller in the api host and creates the VPC WireKubeGateway for gw1. */
async function startGatewayController(lab: Lab, services: MeshServices): Promise<LabProcess> {
  const api = lab.host('api');
  const proc = api.spawn(
    [process.execPath, bin('gateway-controller', 'wirekube-gateway-controller'), `--kubeconfig=${join(api.dir, 'kubeconfig')}`, `--grpc-address=${api.addr}:9475`, '--lease-namespace=default', '--identity=demo', '--metrics-address='],
    { name: 'gateway-controller', env: { OTEL_TRACES_EXPORTER: 'none' } },
  );
  await proc.waitForOutput(/leading/, 30_000);
  const gateway = {
    apiVersion: 'wirekube.io/v1alpha1',
    kind: 'WireKubeGateway',
    metadata: { name: 'vpc' },
    spec: { peerRefs: ['gw1'], routes: [{ cidr: VPC_CIDR, description: 'VPC subnet (db)' }], healthCheck: { target: lab.host('db').addr, intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 } },
  };
  await services.kubectl(['apply', '-f', '-'], JSON.stringify(gateway));
  return proc;
}

/**
 * Waits (up to 30 s) for the controller to elect gw1 from the agents' health reports, then pings `db`
 * — a VPC host that is not a mesh member — from every other node through the gateway. Prints what it
 * saw, ready or not.
 */
async function gatewayReport(lab: Lab, services: MeshServices, controller: LabProcess, ips: ReadonlyMap<string, string>): Promise<string> {
  type GatewayObject = { status?: { ready?: boolean; activePeer?: string; conditions?: Array<{ type: string; status: string; message?: string }> } };
  const read = async () => JSON.parse(await services.kubectl(['get', 'wirekubegateways', 'vpc', '-o', 'json'])) as GatewayObject;
  const deadline = Date.now() + 30_000;
  let gw = await read();
  while (gw.status?.ready !== true && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    gw = await read();
  }
  const st = gw.status ?? {};
  const conds = (st.conditions ?? []).map((c) => `${c.type}=${c.status}${c.message ? ` (${c.message})` : ''}`).join('; ') || 'none';
  const lines = [
    `\ngateway: WireKubeGateway "vpc" (candidate gw1, route ${VPC_CIDR}); gateway-controller ${controller.running ? 'running, leading' : 'NOT running'}`,
    `  status: ready=${st.ready ?? false} activePeer=${st.activePeer || '-'} conditions: ${conds}`,
  ];
  if (st.ready !== true) return [...lines, '  the gateway was not elected within 30 s: VPC traffic does not cross the mesh'].join('\n');
  const db = lab.host('db').addr;
  const reach = await Promise.all(
    NODES.filter((n) => n !== st.activePeer && ips.has(n)).map(async (n) => {
      const ok = (await lab.host(n).exec(['ping', '-n', '-q', '-c1', '-W2', db], { allowFail: true })).code === 0;
      return `${n} ${ok ? 'ok' : 'FAILED'}`;
    }),
  );
  return [...lines, `  VPC host db (${db}, not a mesh member) pinged through ${st.activePeer}: ${reach.join(', ')}`].join('\n');
}

/** Runs the built wirekubectl against the demo's API and returns its stdout. */
function wirekubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [bin('wirekubectl', 'wirekubectl'), ...args, `--kubeconfig=${kubeconfig}`], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`wirekubectl ${args.join(' ')} failed: ${stderr || err.message}`)) : done(stdout.trimEnd()),
    ),
  );
}

function writeHostKubeconfig(dir: string, port: number): string {
  const path = join(dir, 'kubeconfig');
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'wirekube-demo', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'wirekube-demo', user: {} }],
    contexts: [{ name: 'wirekube-demo', context: { cluster: 'wirekube-demo', user: 'wirekube-demo' } }],
    'current-context': 'wirekube-demo',
  };
  writeFileSync(path, JSON.stringify(cfg, null, 2));
  return path;
}
