import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { useLab, type LabHost, type LabProcess } from '../../lab';
import { bundleAgent, getPeers, LISTEN_PORT, startMeshNode, startMeshServices, tsxCommand, type MeshNode, type MeshServices } from '../agent/mesh-lab';

// WireKubeGateway end to end with every part real and in its own process: the API stand-in (the
// Kubernetes API TEST DOUBLE), relay, STUN servers, gateway-controller, and per node wireguard-go,
// stun-probe and wirekube-agent with --gateway-controller-address. The agents build the mesh
// (relay-first, both sites behind NAT), elect nothing themselves: the controller elects from the
// candidates' probes of the hybrid kubelet through their own tunnels, injects the VPC route into
// the active gateway's WireKubePeer, and the agents do the rest — the active one forwards and
// masquerades, the hybrid client routes the VPC through it, a node outside clientRefs withholds
// the route.

const GATEWAY_CONTROLLER_MAIN = resolve(__dirname, '../../../../apps/gateway-controller/src/main.ts');
const TCP_TOOL = resolve(__dirname, 'tcp-tool.mjs');
const CONTROL_PORT = 9475;
const ROUTE = '10.1.0.0/24';

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface GatewayStatus {
  activePeer?: string;
  ready?: boolean;
  peerHealth?: Array<{ peer: string; healthy: boolean }>;
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
}

describe('gateway (VGW) in the NAT lab: real agents, VPC ↔ hybrid through the elected gateway, failover', function () {
  this.timeout(180_000);
  const lab = useLab(
    {
      sites: [
        { name: 'vpc', nat: 'port-restricted', nodes: ['gw-a', 'gw-b'], hosts: ['db'] },
        { name: 'onprem', nat: 'port-restricted', nodes: ['hybrid-1', 'hybrid-2'] },
      ],
    },
    { hookTimeoutMs: 60_000 },
  );
  let services: MeshServices;
  let controller: LabProcess;
  const nodes = new Map<string, MeshNode>();

  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !this.currentTest.err) return;
    const tail = (p: LabProcess | undefined) => (p?.output ?? []).slice(-25).join('\n');
    this.currentTest.err.message += `\n\ngateway-controller:\n${tail(controller)}\n\nagent gw-a:\n${tail(nodes.get('gw-a')?.agent)}\n\nagent hybrid-1:\n${tail(nodes.get('hybrid-1')?.agent)}`;
  });

  const gatewayStatus = async () => (JSON.parse(await services.kubectl(['get', 'wirekubegateways', 'vpc', '-o', 'json'])) as { status?: GatewayStatus }).status ?? {};
  const allowedIps = async (name: string) => (await getPeers(services)).find((p) => p.metadata.name === name)?.spec.allowedIPs ?? [];
  const natRules = async (h: LabHost) => (await h.exec(['iptables', '-w', '5', '-t', 'nat', '-S'], { allowFail: true })).stdout;
  const meshRoutes = async (h: LabHost) => (await h.exec(['ip', '-4', 'route', 'show', 'table', '22347'], { allowFail: true })).stdout;
  const kubeletFrom = (db: LabHost, hybAddr: string) =>
    until(async () => {
      const r = await db.exec(['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${hybAddr}/10250; cat <&3`], { allowFail: true });
      return r.code === 0 && r.stdout.trim();
    }, 'db → hybrid kubelet');

  it('the controller elects from agent probes; VPC host ↔ hybrid node through the active gateway; a node outside clientRefs withholds the route; failover measured', async () => {
    const L = lab();
    const [gwA, gwB, hyb, hyb2, db] = (['gw-a', 'gw-b', 'hybrid-1', 'hybrid-2', 'db'] as const).map((n) => L.host(n));
    const apiHost = L.host('api');
    const [agentBin, started] = await Promise.all([bundleAgent(), startMeshServices(L, { includeNodeInternalIP: true })]);
    services = started;
    const cmd = tsxCommand(GATEWAY_CONTROLLER_MAIN, [`--kubeconfig=${services.kubeconfig}`, `--grpc-address=0.0.0.0:${CONTROL_PORT}`, '--lease-namespace=default', '--identity=e2e', '--metrics-address=', '--retry-period=200ms', '--status-min-interval=100ms']);
    controller = apiHost.spawn(cmd.argv, { name: 'gateway-controller', cwd: cmd.cwd, env: cmd.env });

    // A VPC host that is not a mesh member, and the hybrid node's "kubelet".
    await db.spawn(['node', TCP_TOOL, 'serve', '8080', 'db'], { name: 'db-8080' }).waitForOutput(/listening/);
    await hyb.spawn(['node', TCP_TOOL, 'serve', '10250', 'kubelet'], { name: 'kubelet' }).waitForOutput(/listening/);
    await controller.waitForOutput(/leading: reconciling gateways/, 30_000);

    const started4 = await Promise.all([gwA, gwB, hyb, hyb2].map((h) => startMeshNode(L, services, h, agentBin, [`--gateway-controller-address=${apiHost.addr}:${CONTROL_PORT}`])));
    for (const n of started4) nodes.set(n.name, n);
    await until(async () => ((await getPeers(services)).length === 4 ? true : undefined), 'four WireKubePeers', 60_000);

    // Probed through the tunnel: the hybrid kubelet, via each candidate's own WireGuard path.
    const gateway = {
      apiVersion: 'wirekube.io/v1alpha1',
      kind: 'WireKubeGateway',
      metadata: { name: 'vpc' },
      spec: { peerRefs: ['gw-a', 'gw-b'], clientRefs: ['hybrid-1'], routes: [{ cidr: ROUTE, description: 'VPC subnet' }], healthCheck: { target: `${hyb.addr}:10250`, intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 } },
    };
    await services.kubectl(['apply', '-f', '-'], JSON.stringify(gateway));
    const first = await until(async () => {
      const s = await gatewayStatus();
      return s.ready === true && s.activePeer ? s : undefined;
    }, 'gateway ready', 60_000);
    const [active, standby] = first.activePeer === 'gw-a' ? [gwA, gwB] : [gwB, gwA];

    // The active gateway's agent forwards and masquerades, tagged; the standby's does neither.
    await until(async () => /-s 10\.250\.0\.0\/16 -d 10\.1\.0\.0\/24 .*--comment "?wirekube:[0-9a-f]+"? -j MASQUERADE/.test(await natRules(active)), `MASQUERADE on ${active.name}`);
    assert.equal((await active.exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '1');
    assert.doesNotMatch(await natRules(standby), /MASQUERADE/);
    // The client routes the VPC through the mesh; the node outside clientRefs and the standby
    // (whose own LAN the route covers) do not.
    await until(async () => (await meshRoutes(hyb)).includes(`${ROUTE} dev wk0`), 'the VPC route on hybrid-1');
    assert.doesNotMatch(await meshRoutes(hyb2), /10\.1\.0\.0\/24/, 'hybrid-2 is outside clientRefs');
    assert.doesNotMatch(await meshRoutes(standby), /10\.1\.0\.0\/24/, 'the standby keeps its own LAN');

    // VPC host → hybrid kubelet port through the active gateway (the `kubectl exec/logs` case).
    await db.sh(`ip route add ${hyb.addr}/32 via ${active.addr}`);
    assert.equal(await kubeletFrom(db, hyb.addr), `kubelet from ${db.addr}`, 'the VPC host reached the hybrid node with its own address');

    // Hybrid node → VPC host (the pod → VPC case), masqueraded by the active gateway.
    const probe = hyb.spawn(['node', TCP_TOOL, 'probe', db.addr, '8080', '100'], { name: 'hybrid-to-db' });
    const esc = (ip: string) => ip.replace(/\./g, '\\.');
    await probe.waitForOutput(new RegExp(`^ok \\d+ db from ${esc(active.addr)}$`), 20_000);

    // Cut the active gateway off the mesh (relay and any direct path); its node and agent stay up
    // and keep talking to the controller, so the failed probes are what demotes it.
    const faultAt = Date.now();
    const relayAddr = L.host('relay').addr;
    await active.sh(`iptables -w 5 -I OUTPUT -d ${relayAddr} -j DROP && iptables -w 5 -I INPUT -s ${relayAddr} -j DROP && iptables -w 5 -I OUTPUT -p udp --sport ${LISTEN_PORT} -j DROP`);
    await probe.waitForOutput(new RegExp(`^ok \\d+ db from ${esc(standby.addr)}$`), 30_000);
    const oks = probe.output.map((l) => /^out\|ok (\d+) db from (\S+)/.exec(l)).filter((m): m is RegExpExecArray => !!m);
    const lastBefore = Math.max(...oks.filter((m) => Number(m[1]) <= faultAt).map((m) => Number(m[1])));
    const firstAfter = Math.min(...oks.filter((m) => Number(m[1]) > faultAt && m[2] === standby.addr).map((m) => Number(m[1])));
    const outageMs = firstAfter - lastBefore;
    console.log(`      gateway failover with real agents: hybrid → VPC outage ${outageMs} ms (last reply via ${active.name} → first via ${standby.name}; health: 1 s interval, threshold 2)`);
    assert.ok(outageMs <= 10_000, `outage ${outageMs} ms exceeds the 10 s target`);

    // Status says who and why; the demoted gateway's SNAT is gone, the new one has it.
    const st = await until(async () => {
      const s = await gatewayStatus();
      return s.activePeer === standby.name && s.ready ? s : undefined;
    }, `status on ${standby.name}`);
    const changed = st.conditions?.find((c) => c.type === 'ActivePeerChanged');
    assert.equal(changed?.reason, 'FailedOver');
    assert.match(changed!.message, new RegExp(`${active.name} → ${standby.name}: .*${active.name} demoted: \\d+ consecutive failed probes of ${esc(hyb.addr)}:10250`));
    assert.equal(st.peerHealth?.find((p) => p.peer === active.name)?.healthy, false);
    await until(async () => !/MASQUERADE/.test(await natRules(active)), `${active.name} SNAT removed`);
    assert.match(await natRules(standby), /-s 10\.250\.0\.0\/16 -d 10\.1\.0\.0\/24 .*-j MASQUERADE/);
    assert.ok(!(await allowedIps(active.name)).includes(ROUTE), 'the route left the demoted peer');
    assert.ok((await allowedIps(standby.name)).includes(ROUTE), 'the route is on the new active peer');
    assert.doesNotMatch(await meshRoutes(hyb2), /10\.1\.0\.0\/24/, 'hybrid-2 still withholds it');

    // VPC → hybrid through the new gateway once the VPC route table points at it (outside WireKube).
    await db.sh(`ip route replace ${hyb.addr}/32 via ${standby.addr}`);
    assert.equal(await kubeletFrom(db, hyb.addr), `kubelet from ${db.addr}`);
    await probe.stop();
  });
});
