import { strict as assert } from 'node:assert';
import { credentials } from '@grpc/grpc-js';
import { CoreV1Api } from '@kubernetes/client-node';
import { trace } from '@opentelemetry/api';
import { GatewayAgent } from '@wirekube/gateway-agent';
import { FakeSnat, FakeSysctl } from '@wirekube/gateway-agent/testing';
import { startTestCluster, type TestCluster } from '@wirekube/k8s/testing';
import type { WireKubeGateway, WireKubePeer } from '@wirekube/k8s';
import { GatewayControlClient, GatewayControlService } from '@wirekube/proto';
import { GrpcServer } from '@wirekube/runtime';
import { nullLogger, seededRng, systemClock } from '@wirekube/util';
import { Registry } from 'prom-client';
import { GatewayController } from './gateway-controller';
import { registerGatewayMetrics } from './gateway-metrics';
import { INJECTED_ANNOTATION } from './kube-inputs';

// Service test: the Kubernetes API TEST DOUBLE (@wirekube/kube-api) driven by client-node, real
// gRPC on 127.0.0.1:0, real GatewayAgent objects (with in-memory SNAT/sysctl and a probe the test
// controls, standing in for the data path the lab suite exercises for real).

const KEY = `${'A'.repeat(43)}=`;
const NODES: Record<string, string> = { 'gw-a': '10.100.0.2', 'gw-b': '10.100.0.3', 'hybrid-1': '192.168.50.2' };

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

function gateway(name: string, spec: Partial<WireKubeGateway['spec']> = {}): WireKubeGateway {
  return {
    apiVersion: 'wirekube.io/v1alpha1',
    kind: 'WireKubeGateway',
    metadata: { name },
    spec: { peerRefs: ['gw-a', 'gw-b'], routes: [{ cidr: '10.100.0.0/24', description: 'VPC subnet' }], healthCheck: { target: '10.100.0.10:80', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 }, ...spec },
  } as WireKubeGateway;
}

interface Replica {
  controller: GatewayController;
  grpc: GrpcServer;
  port: number;
}

describe('gateway controller service (API test double + real gRPC + GatewayAgent)', function () {
  this.timeout(40_000);
  let cluster: TestCluster;
  const replicas: Replica[] = [];
  const agents: Array<{ agent: GatewayAgent; client: GatewayControlClient; snat: FakeSnat }> = [];
  /** Nodes whose probes of the health target succeed. */
  const healthy = new Set<string>();

  async function startReplica(identity: string): Promise<Replica> {
    const controller = new GatewayController({
      kubeConfig: cluster.kubeConfig,
      identity,
      leaseNamespace: 'default',
      clock: systemClock,
      rng: seededRng(identity.length),
      logger: nullLogger,
      statusMinIntervalMs: 50,
      recheckMs: 200,
      leaseDurationMs: 2_000,
      renewDeadlineMs: 1_500,
      retryPeriodMs: 200,
    });
    const grpc = new GrpcServer({ logger: nullLogger, tracer: trace.getTracer('test') });
    grpc.addService('wirekube.v1.GatewayControl', GatewayControlService, controller.service.impl);
    const port = await grpc.listen('127.0.0.1:0');
    await controller.start();
    const r = { controller, grpc, port };
    replicas.push(r);
    return r;
  }

  function startAgent(node: string, port: number) {
    const client = new GatewayControlClient(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 300 });
    const snat = new FakeSnat();
    const agent = new GatewayAgent({
      nodeName: node,
      client,
      snat,
      sysctl: new FakeSysctl(),
      rng: seededRng(7),
      backoff: { initialMs: 50, maxMs: 300 },
      probe: async () => (healthy.has(node) ? { ok: true, latencyMs: 1, detail: 'connected' } : { ok: false, latencyMs: 1000, detail: 'connect timeout' }),
    });
    agent.start();
    agents.push({ agent, client, snat });
    return { agent, snat };
  }

  const getGw = async (name: string) => (await cluster.apis.gateways.get(name))!;
  const getPeer = async (name: string) => (await cluster.apis.peers.get(name))!;

  beforeEach(async () => {
    cluster = await startTestCluster();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const [name, ip] of Object.entries(NODES)) {
      await core.createNode({ body: { metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } } });
      await cluster.apis.peers.create({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name }, spec: { publicKey: KEY, allowedIPs: [`${ip}/32`] } } as WireKubePeer);
    }
    for (const n of Object.keys(NODES)) healthy.add(n);
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) {
      await a.agent.stop();
      a.client.close();
    }
    for (const r of replicas.splice(0)) {
      await r.controller.stop();
      await r.grpc.shutdown({ drainMs: 0, graceMs: 0 });
    }
    healthy.clear();
    await cluster.stop();
  });

  it('elects by probe health, injects routes, fails over with the reason, and moves SNAT', async () => {
    const r = await startReplica('ctl-1');
    await until(() => r.controller.isLeader, 'leadership');
    const a = startAgent('gw-a', r.port);
    const b = startAgent('gw-b', r.port);
    const h = startAgent('hybrid-1', r.port);
    await cluster.apis.gateways.create(gateway('vpc'));

    await until(async () => (await getGw('vpc')).status?.ready === true, 'gateway ready');
    const st = (await getGw('vpc')).status!;
    assert.equal(st.activePeer, 'gw-a');
    assert.equal(st.routesInjected, 1);
    assert.deepEqual((await getPeer('gw-a')).spec.allowedIPs, ['10.100.0.0/24', '10.100.0.2/32']);
    assert.equal((await getPeer('gw-a')).metadata.annotations?.[INJECTED_ANNOTATION], '{"vpc":["10.100.0.0/24"]}');
    await until(() => a.snat.rules.length === 1, 'MASQUERADE on gw-a');
    // No WireKubeMesh exists here, so the only sources are the client's own AllowedIPs.
    assert.deepEqual(a.snat.text(), ['-s 192.168.50.2/32 -d 10.100.0.0/24 -j MASQUERADE']);
    assert.equal(b.snat.rules.length, 0);
    await until(() => h.agent.status().roles.vpc === 'client', 'hybrid-1 is a client');
    assert.deepEqual(h.agent.status().host?.routeViaMesh, [{ cidr: '10.100.0.0/24', via: 'gw-a', gateway: 'vpc' }]);

    // The data path through gw-a breaks (its Node stays Ready — that is never evidence).
    healthy.delete('gw-a');
    const took = await until(async () => (await getGw('vpc')).status?.activePeer === 'gw-b', 'failover to gw-b');
    assert.ok(took < 8_000, `failover took ${took} ms`);
    await until(async () => (await getGw('vpc')).status?.ready === true, 'ready on gw-b');
    const after = (await getGw('vpc')).status!;
    const changed = after.conditions?.find((c) => c.type === 'ActivePeerChanged');
    assert.equal(changed?.reason, 'FailedOver');
    assert.match(changed!.message, /gw-a → gw-b: .*gw-a demoted: 2 consecutive failed probes of 10\.100\.0\.10:80: connect timeout/);
    assert.deepEqual(after.peerHealth?.map((p) => [p.peer, p.healthy]), [['gw-a', false], ['gw-b', true]]);
    assert.deepEqual((await getPeer('gw-a')).spec.allowedIPs, ['10.100.0.2/32']);
    assert.equal((await getPeer('gw-a')).metadata.annotations?.[INJECTED_ANNOTATION], undefined);
    assert.deepEqual((await getPeer('gw-b')).spec.allowedIPs, ['10.100.0.0/24', '10.100.0.3/32']);
    await until(() => a.snat.rules.length === 0 && b.snat.rules.length === 1, 'SNAT moved to gw-b');
    await until(() => h.agent.status().host?.routeViaMesh[0]?.via === 'gw-b', 'client routes via gw-b');

    const registry = new Registry();
    registerGatewayMetrics(registry, r.controller);
    const scraped = await registry.metrics();
    assert.match(scraped, /^wirekube_gateway_failovers_total 1$/m);
    assert.match(scraped, /^wirekube_gateway_ready\{gateway="vpc",active_peer="gw-b"\} 1$/m);
    assert.match(scraped, /^wirekube_gateway_agents_connected 3$/m);

    // gw-a recovers: no fail-back while gw-b is healthy.
    healthy.add('gw-a');
    await new Promise((res) => setTimeout(res, 2_500));
    assert.equal((await getGw('vpc')).status?.activePeer, 'gw-b');
  });

  it('a candidate whose agent goes silent loses the gateway after the evidence window', async () => {
    const r = await startReplica('ctl-1');
    await until(() => r.controller.isLeader, 'leadership');
    const a = startAgent('gw-a', r.port);
    startAgent('gw-b', r.port);
    await cluster.apis.gateways.create(gateway('vpc'));
    await until(async () => (await getGw('vpc')).status?.activePeer === 'gw-a', 'gw-a active');
    // The node dies: its agent neither reports nor streams. Window: 1 s × 2 + 1 s.
    await a.agent.stop();
    const took = await until(async () => (await getGw('vpc')).status?.activePeer === 'gw-b', 'failover after silence');
    assert.ok(took >= 2_000, `failed over after ${took} ms, before the evidence window closed`);
    const st = (await getGw('vpc')).status!;
    assert.match(st.peerHealth!.find((p) => p.peer === 'gw-a')!.reason ?? '', /agent silent/);
  });

  it('bad gateways get precise conditions while a good one keeps working', async () => {
    const r = await startReplica('ctl-1');
    await until(() => r.controller.isLeader, 'leadership');
    startAgent('gw-a', r.port);
    startAgent('gw-b', r.port);
    await cluster.apis.gateways.create(gateway('vpc'));
    await cluster.apis.gateways.create(gateway('ghost', { peerRefs: ['nobody'], routes: [{ cidr: '10.77.0.0/16' }] }));
    await cluster.apis.gateways.create(gateway('greedy', { routes: [{ cidr: '192.168.0.0/16' }, { cidr: '10.100.0.128/25' }] }));
    await cluster.apis.gateways.create(gateway('hostbits', { routes: [{ cidr: '10.1.2.3/8' }] }));
    await until(async () => (await getGw('vpc')).status?.ready === true, 'good gateway ready');
    const cond = async (name: string, type: string) => {
      await until(async () => (await getGw(name)).status?.conditions?.some((c) => c.type === type) ?? false, `${name} ${type}`);
      return (await getGw(name)).status!.conditions!.find((c) => c.type === type)!;
    };
    assert.equal((await cond('ghost', 'CandidatesResolved')).reason, 'UnknownPeer');
    assert.equal((await cond('ghost', 'Ready')).reason, 'NoHealthyCandidate');
    const greedy = await cond('greedy', 'RoutesAccepted');
    assert.equal(greedy.reason, 'RouteCapturesNodeAddress');
    assert.match(greedy.message, /192\.168\.0\.0\/16 contains 192\.168\.50\.2, an address of node hybrid-1/);
    assert.match(greedy.message, /10\.100\.0\.128\/25 overlaps 10\.100\.0\.0\/24 of gateway vpc/);
    assert.equal((await cond('greedy', 'Ready')).reason, 'NoUsableRoutes');
    const hostbits = await cond('hostbits', 'RoutesAccepted');
    assert.equal(hostbits.reason, 'InvalidCIDR');
    assert.equal((await getGw('vpc')).status?.activePeer, 'gw-a');
    assert.deepEqual((await getPeer('gw-a')).spec.allowedIPs, ['10.100.0.0/24', '10.100.0.2/32']);
  });

  it('a standby replica takes over the Lease, keeps the active gateway and serves the agents', async () => {
    const r1 = await startReplica('ctl-1');
    await until(() => r1.controller.isLeader, 'ctl-1 leads');
    const r2 = await startReplica('ctl-2');
    startAgent('gw-a', r1.port);
    startAgent('gw-b', r1.port);
    await cluster.apis.gateways.create(gateway('vpc'));
    await until(async () => (await getGw('vpc')).status?.ready === true, 'ready under ctl-1');
    assert.equal(r2.controller.isLeader, false);

    // ctl-1 dies without releasing the Lease: its agents move to ctl-2 (as a Service would send them).
    await r1.controller.stop();
    await r1.grpc.shutdown({ drainMs: 0, graceMs: 0 });
    replicas.splice(replicas.indexOf(r1), 1);
    for (const a of agents.splice(0)) {
      await a.agent.stop();
      a.client.close();
    }
    await until(() => r2.controller.isLeader, 'ctl-2 takes over', 8_000);
    const a = startAgent('gw-a', r2.port);
    await until(() => a.snat.rules.length === 1, 'gw-a told to stay active by ctl-2');
    await new Promise((res) => setTimeout(res, 500));
    const st = (await getGw('vpc')).status!;
    assert.equal(st.activePeer, 'gw-a');
    assert.equal(st.ready, true);
    assert.equal(st.conditions?.find((c) => c.type === 'ActivePeerChanged')?.reason, 'Elected', 'no spurious failover on takeover');
  });
});
