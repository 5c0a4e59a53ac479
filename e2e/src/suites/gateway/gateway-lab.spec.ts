import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { CoreV1Api } from '@kubernetes/client-node';
import { GatewayAgent, type RoutingSink } from '@wirekube/gateway-agent';
import { SnatApplier, SysctlApplier } from '@wirekube/host';
import type { WireKubeGateway, WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import { startTestCluster, type TestCluster } from '@wirekube/k8s/testing';
import { GatewayControlClient } from '@wirekube/proto';
import { startWireguard, useLab, type Lab, type LabHost, type LabProcess, type LabWireguard, type StartWireguardOptions } from '../../lab';
import { netnsIptables, netnsProbe, netnsSysctl } from './netns-ports';

// The gateway data path for real: wireguard-go between the VPC gateway nodes and a hybrid node
// behind NAT, real forwarding and tagged MASQUERADE installed by @wirekube/gateway-agent through
// @wirekube/host's appliers (iptables/sysctl inside each node's namespace), elected and failed over
// by the real gateway-controller process against the Kubernetes API TEST DOUBLE. What the agent
// (apps/agent) would do on each node — run GatewayAgent and give the CLIENT routes to its planner —
// this suite does itself: one GatewayAgent per node in this process, and the hybrid node's
// WireGuard peers and routes follow GatewayAgent's routing output.

const E2E_ROOT = resolve(__dirname, '../../..');
const CONTROLLER_MAIN = resolve(E2E_ROOT, '../apps/gateway-controller/src/main.ts');
const TCP_TOOL = resolve(__dirname, 'tcp-tool.mjs');
const KEY = `${'A'.repeat(43)}=`;
const MESH = { 'gw-a': '100.96.0.1', 'gw-b': '100.96.0.2', 'hybrid-1': '100.96.0.3' } as const;
const PORTS = { 'gw-a': 51821, 'gw-b': 51822, 'hybrid-1': 51820 } as const;
const ROUTE = '10.1.0.0/24';

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * startWireguard, retried: under load the lab can see wireguard-go's UAPI socket file before the
 * daemon listens on it (ECONNREFUSED on the first request). The failed attempt's process is
 * stopped (wireguard-go removes its interface on SIGTERM) before trying again.
 */
async function startWireguardRetrying(lab: Lab, host: LabHost, opts: StartWireguardOptions): Promise<LabWireguard> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWireguard(host, opts);
    } catch (err) {
      if (attempt >= 3 || !/ECONNREFUSED/.test(String(err))) throw err;
      for (const p of lab.processes) if (p.running && p.host === host.name && p.name === `wireguard-go-${opts.iface ?? 'wg0'}`) await p.stop();
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

describe('gateway (VGW) in the NAT lab: VPC ↔ hybrid through the elected gateway, failover', function () {
  this.timeout(90_000);
  const lab = useLab({
    sites: [
      { name: 'vpc', nat: 'port-restricted', nodes: ['gw-a', 'gw-b'], hosts: ['db'] },
      { name: 'onprem', nat: 'port-restricted', nodes: ['hybrid-1'] },
    ],
    services: [],
  });

  let cluster: TestCluster | undefined;
  let controller: ChildProcess | undefined;
  let controllerLog = '';
  let dir = '';
  const agents: Array<{ agent: GatewayAgent; client: GatewayControlClient }> = [];

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && this.currentTest.err) this.currentTest.err.message += `\n\ngateway-controller log:\n${controllerLog.split('\n').slice(-40).join('\n')}`;
    for (const a of agents.splice(0)) {
      await a.agent.cleanup().catch(() => undefined);
      a.client.close();
    }
    if (controller && controller.exitCode === null) {
      controller.kill('SIGTERM');
      await new Promise((r) => controller!.once('exit', r));
    }
    controller = undefined;
    await cluster?.stop();
    cluster = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startController(): Promise<number> {
    dir = mkdtempSync(join(tmpdir(), 'wk-gw-e2e-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster!.server.kubeconfig(), { mode: 0o600 });
    const port = await freePort();
    controller = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', CONTROLLER_MAIN, `--kubeconfig=${kubeconfig}`, `--grpc-address=127.0.0.1:${port}`, '--lease-namespace=default', '--identity=e2e', '--metrics-address=', '--retry-period=200ms', '--status-min-interval=100ms'],
      { cwd: E2E_ROOT, env: { ...process.env, TSX_TSCONFIG_PATH: resolve(E2E_ROOT, 'tsconfig.json'), OTEL_TRACES_EXPORTER: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    controller.stdout!.on('data', (d) => (controllerLog += d));
    controller.stderr!.on('data', (d) => (controllerLog += d));
    await until(async () => controllerLog.includes('leading: reconciling gateways'), 'the controller to lead', 30_000);
    return port;
  }

  function startAgent(node: LabHost, port: number, routing?: RoutingSink): GatewayAgent {
    const client = new GatewayControlClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const agent = new GatewayAgent({
      nodeName: node.name,
      client,
      snat: new SnatApplier(netnsIptables(node)),
      sysctl: new SysctlApplier(netnsSysctl(node)),
      probe: netnsProbe(node),
      ...(routing ? { routing } : {}),
    });
    agent.start();
    agents.push({ agent, client });
    return agent;
  }

  it('VPC host reaches the hybrid kubelet and the hybrid node reaches the VPC host; the outage on failover is measured', async () => {
    const L = lab();
    const [gwA, gwB, hyb, db] = (['gw-a', 'gw-b', 'hybrid-1', 'db'] as const).map((n) => L.host(n));
    const wan = { vpc: L.site('vpc').wanAddr!, onprem: L.site('onprem').wanAddr! };

    // Control plane: the API test double with nodes, mesh and peers as agents would have written them.
    cluster = await startTestCluster();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const h of [gwA, gwB, hyb]) {
      await core.createNode({ body: { metadata: { name: h.name }, status: { addresses: [{ type: 'InternalIP', address: h.addr }] } } });
    }
    await cluster.apis.meshes.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubeMesh', metadata: { name: 'default' }, spec: { meshCIDR: '100.96.0.0/16', stunServers: ['198.18.0.10:3478', '198.18.0.11:3478'] } } as WireKubeMesh);
    for (const h of [gwA, gwB, hyb]) {
      const own = h === hyb ? [`${MESH['hybrid-1']}/32`, `${hyb.addr}/32`] : [`${MESH[h.name as 'gw-a']}/32`];
      await cluster.apis.peers.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name: h.name }, spec: { publicKey: KEY, allowedIPs: own } } as WireKubePeer);
    }
    const port = await startController();

    // Data plane: wireguard-go on the three nodes, both sides behind NAT (keepalives punch through).
    const wg: Record<string, LabWireguard> = {};
    for (const h of [gwA, gwB, hyb]) wg[h.name] = await startWireguardRetrying(L, h, { address: `${MESH[h.name as keyof typeof MESH]}/32`, listenPort: PORTS[h.name as keyof typeof PORTS] });
    for (const gw of [gwA, gwB]) {
      await wg[gw.name].configure([{ publicKey: wg['hybrid-1'].keys.publicKey, endpoint: `${wan.onprem}:${PORTS['hybrid-1']}`, allowedIps: [`${MESH['hybrid-1']}/32`, `${hyb.addr}/32`], persistentKeepalive: 1 }]);
      await gw.sh(`ip route add ${MESH['hybrid-1']}/32 dev wg0 && ip route add ${hyb.addr}/32 dev wg0`);
    }
    // The hybrid node's peers: gateway routes go to whichever peer GatewayAgent says is active.
    const hybridPeers = async (via: string) => {
      await wg['hybrid-1'].configure(
        (['gw-a', 'gw-b'] as const).map((g) => ({
          publicKey: wg[g].keys.publicKey,
          endpoint: `${wan.vpc}:${PORTS[g]}`,
          allowedIps: [`${MESH[g]}/32`, ...(g === via ? [ROUTE] : [])],
          persistentKeepalive: 1,
        })),
      );
    };
    await hybridPeers('');
    await hyb.sh(`ip route add ${MESH['gw-a']}/32 dev wg0 && ip route add ${MESH['gw-b']}/32 dev wg0`);
    const routedVia: string[] = [];
    const hybridRouting: RoutingSink = async ({ routeViaMesh }) => {
      const via = routeViaMesh.find((r) => r.cidr === ROUTE)?.via ?? '';
      if (routedVia.at(-1) === via) return;
      await hybridPeers(via);
      await hyb.sh(via ? `ip route replace ${ROUTE} dev wg0 src ${MESH['hybrid-1']}` : `ip route del ${ROUTE} dev wg0 || true`);
      routedVia.push(via);
    };

    // A VPC host that is not a mesh member, and the hybrid node's "kubelet".
    await db.spawn(['node', TCP_TOOL, 'serve', '8080', 'db'], { name: 'db-8080' }).waitForOutput(/listening/);
    await hyb.spawn(['node', TCP_TOOL, 'serve', '10250', 'kubelet'], { name: 'kubelet' }).waitForOutput(/listening/);
    // The VPC route table entry the operator adds (AWS: hybrid CIDR → gateway ENI).
    await db.sh(`ip route add ${hyb.addr}/32 via ${gwA.addr}`);

    for (const h of [gwA, gwB]) startAgent(h, port);
    startAgent(hyb, port, hybridRouting);
    await cluster.apis.gateways.create({
      apiVersion: 'wirekube.io/v1alpha1',
      kind: 'WireKubeGateway',
      metadata: { name: 'vpc' },
      // Probed through the tunnel: the hybrid node's kubelet, via each candidate's own WireGuard path.
      spec: { peerRefs: ['gw-a', 'gw-b'], routes: [{ cidr: ROUTE, description: 'VPC subnet' }], healthCheck: { target: `${hyb.addr}:10250`, intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 } },
    } as WireKubeGateway);
    const getGw = async () => (await cluster!.apis.gateways.get('vpc'))!;
    await until(async () => (await getGw()).status?.ready === true, 'gateway ready');
    assert.equal((await getGw()).status?.activePeer, 'gw-a');

    // The active gateway forwards and masquerades, tagged; the standby does neither.
    const natRules = async (h: LabHost) => (await h.exec(['iptables', '-w', '5', '-t', 'nat', '-S'], { allowFail: true })).stdout;
    await until(async () => /-s 100\.96\.0\.0\/16 -d 10\.1\.0\.0\/24 .*--comment "?wirekube:[0-9a-f]+"? -j MASQUERADE/.test(await natRules(gwA)), 'MASQUERADE on gw-a');
    assert.equal((await gwA.exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '1');
    assert.doesNotMatch(await natRules(gwB), /MASQUERADE/);
    assert.equal((await gwB.exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0');

    // VPC host → hybrid kubelet port through gw-a (the `kubectl exec/logs` case).
    const kubelet = await until(async () => {
      const r = await db.exec(['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${hyb.addr}/10250; cat <&3`], { allowFail: true });
      return r.code === 0 && r.stdout.trim();
    }, 'db → hybrid kubelet');
    assert.equal(kubelet, `kubelet from ${db.addr}`, 'the VPC host reached the hybrid node with its own address');

    // Hybrid node → VPC host (the pod → VPC case), masqueraded by the active gateway.
    const probe: LabProcess = hyb.spawn(['node', TCP_TOOL, 'probe', db.addr, '8080', '100'], { name: 'hybrid-to-db' });
    await probe.waitForOutput(new RegExp(`^ok \\d+ db from ${gwA.addr.replace(/\./g, '\\.')}$`));

    // Blackhole gw-a's WireGuard traffic (the node and its agent stay up; only its tunnel dies).
    const faultAt = Date.now();
    await gwA.sh(`iptables -w 5 -I OUTPUT -p udp --sport ${PORTS['gw-a']} -j DROP && iptables -w 5 -I INPUT -p udp --dport ${PORTS['gw-a']} -j DROP`);
    await probe.waitForOutput(new RegExp(`^ok \\d+ db from ${gwB.addr.replace(/\./g, '\\.')}$`), 20_000);
    const oks = probe.output.map((l) => /^out\|ok (\d+)/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1]));
    const lastBefore = Math.max(...oks.filter((t) => t <= faultAt));
    const firstAfter = Math.min(...oks.filter((t) => t > faultAt && probe.output.some((l) => l.startsWith(`out|ok ${t} db from ${gwB.addr}`))));
    const outageMs = firstAfter - lastBefore;
    console.log(`      gateway failover: hybrid → VPC outage ${outageMs} ms (last reply via gw-a → first via gw-b; health: 1 s interval, threshold 2)`);
    assert.ok(outageMs <= 10_000, `outage ${outageMs} ms exceeds the 10 s target`);

    // Status says who and why; the demoted gateway's SNAT is gone, the new one has it.
    const st = await until(async () => {
      const s = (await getGw()).status;
      return s?.activePeer === 'gw-b' && s.ready ? s : undefined;
    }, 'status on gw-b');
    const changed = st.conditions?.find((c) => c.type === 'ActivePeerChanged');
    assert.equal(changed?.reason, 'FailedOver');
    assert.match(changed!.message, /gw-a → gw-b: .*gw-a demoted: \d+ consecutive failed probes of 10\.2\.0\.10:10250/);
    assert.equal(st.peerHealth?.find((p) => p.peer === 'gw-a')?.healthy, false);
    await until(async () => !/MASQUERADE/.test(await natRules(gwA)), 'gw-a SNAT removed');
    assert.match(await natRules(gwB), /-s 100\.96\.0\.0\/16 -d 10\.1\.0\.0\/24 .*-j MASQUERADE/);
    assert.deepEqual((await cluster.apis.peers.get('gw-a'))!.spec.allowedIPs, [`${MESH['gw-a']}/32`]);
    assert.deepEqual(routedVia.filter(Boolean), ['gw-a', 'gw-b'], 'the hybrid node routed the VPC via gw-a, then gw-b');

    // VPC → hybrid through gw-b once the VPC route table points at it (outside WireKube's reach).
    await db.sh(`ip route replace ${hyb.addr}/32 via ${gwB.addr}`);
    const again = await until(async () => {
      const r = await db.exec(['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${hyb.addr}/10250; cat <&3`], { allowFail: true });
      return r.code === 0 && r.stdout.trim();
    }, 'db → hybrid kubelet via gw-b');
    assert.equal(again, `kubelet from ${db.addr}`);
    await probe.stop();
  });
});
