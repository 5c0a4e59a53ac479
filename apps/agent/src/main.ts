import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import { Metadata } from '@grpc/grpc-js';
import { KubeConfig } from '@kubernetes/client-node';
import { formatHostPort, ROUTE_TABLE, type MeshConfig } from '@wirekube/planner';
import { GatewayAgent } from '@wirekube/gateway-agent';
import { execIptables, procSysctl, RtNetlinkHost, SnatApplier, SysctlApplier } from '@wirekube/host';
import { AgentAdminService, GatewayControlClient, StunProbeClient, type ProbeResponse } from '@wirekube/proto';
import { createClient, GrpcServer, runService, splitHostPort } from '@wirekube/runtime';
import { cryptoRng, systemClock } from '@wirekube/util';
import { KernelProvider, loadOrCreateKey, openBackend, UserspaceProvider, WireGuardDevice, type BackendProvider } from '@wirekube/wg';
import { Agent, OWNED_RULE_PRIORITIES } from './agent';
import { registerAgentMetrics } from './agent-metrics';
import { adminServer } from './admin-service';
import { cleanup, installedStatePath, recordInstalled } from './cleanup';
import { MeshHost } from './host-net';
import { agentProgram } from './config';
import { KubeMeshApi } from './kube-mesh-api';
import { natFactsOf, type NatFacts } from './nat-report';
import { osLocalAddresses } from './direct/local-facts';
import { ProbeChannel } from './direct/probe-channel';
import { RelayLink, relayReplicas } from './relay-link';

const VERSION = '0.1.0';

runService({
  ...agentProgram,
  service: 'agent',
  metricsAddress: '0.0.0.0:9470',
  async main({ config, positionals, logger, tracer, metrics, setReady, onShutdown }) {
    const netlink = new RtNetlinkHost();
    const host = new MeshHost(netlink, { table: ROUTE_TABLE, rulePriorities: OWNED_RULE_PRIORITIES, logger });
    const gatewaySnat = new SnatApplier(execIptables(), logger);
    if (positionals[0] === 'cleanup') {
      await cleanup({ host, keyFile: config.keyFile, adminSocket: config.adminSocket, wireguardSocketDir: config.wireguardSocketDir, logger });
      // The tagged gateway SNAT chain goes whether or not a controller address is configured now.
      await gatewaySnat.cleanup();
      netlink.close();
      process.exit(0);
    }
    if (positionals.length > 0) throw new Error(`unknown command "${positionals.join(' ')}" (the only command is "cleanup")`);
    if (!config.nodeName) throw new Error('--node-name (NODE_NAME) is required');

    const keys = await loadOrCreateKey(config.keyFile);
    logger.info('node key loaded', { publicKey: keys.publicKey.toBase64(), created: keys.created });
    const kc = new KubeConfig();
    if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
    else kc.loadFromCluster();
    const apiHost = new URL(kc.getCurrentCluster()?.server ?? 'https://invalid').hostname.replace(/^\[|\]$/g, '');
    const api = new KubeMeshApi(kc, { clock: systemClock, rng: cryptoRng, logger });
    void api.start();

    const stun = createClient(StunProbeClient, config.stunProbeAddress, { tracer });
    const probe = (mesh: MeshConfig, localPort: number) =>
      new Promise<NatFacts>((resolve, reject) => {
        const req = { servers: mesh.stunServers.map(formatHostPort), timeoutMs: 0, localPort, allocationSamples: 0 };
        stun.probe(req, new Metadata(), { deadline: Date.now() + 20_000 }, (err, res: ProbeResponse) => {
          if (err) reject(err);
          else if (!res.report) reject(new Error('stun-probe answered without a report'));
          else resolve(natFactsOf(res.report));
        });
      });
    const agent: Agent = new Agent({
      nodeName: config.nodeName,
      meshName: config.meshName,
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      api,
      host,
      async openDevice(iface) {
        const userspace = new UserspaceProvider({ binary: config.wireguardGo, socketDir: config.wireguardSocketDir, logger, onRestart: () => agent.kick() });
        const providers: BackendProvider[] = { kernel: [new KernelProvider()], userspace: [userspace], auto: [new KernelProvider(), userspace] }[config.wireguardBackend];
        const backend = await openBackend(providers, iface);
        const kind = backend.kind === 'userspace' ? 'userspace:wireguard-go' : backend.kind;
        await recordInstalled(installedStatePath(config.keyFile), { iface, backend: kind });
        return { device: new WireGuardDevice({ backend, logger }), backend: kind };
      },
      openRelay(mesh) {
        const replicas = config.relayAddresses.length
          ? config.relayAddresses.map((a) => splitHostPort(a)).map(([h, p]) => ({ host: h, controlPort: p, dataPort: config.relayDataPort }))
          : mesh.relay.endpoints.map((e) => ({ host: e.host, controlPort: config.relayControlPort, dataPort: e.port }));
        if (replicas.length === 0) return undefined;
        return new RelayLink({ replicas: relayReplicas(replicas, logger), nodeName: config.nodeName, privateKey: keys.privateKey, publicKey: keys.publicKey, wgPort: mesh.listenPort, tracer, clock: systemClock, rng: cryptoRng, logger });
      },
      probeNat: (mesh) => probe(mesh, 0),
      // The sidecar shares the node's network namespace, so it can bind the listen port while WireGuard has not.
      probeWgPort: (mesh) => probe(mesh, mesh.listenPort),
      localAddresses: (mesh) => osLocalAddresses(mesh.interfaceName, mesh.meshCidr),
      openProbes: (o) => new ProbeChannel({ ...o, logger: logger.child({ component: 'path-probes' }) }),
      pathSampleMs: config.pathSampleInterval,
      apiServerIps: isIP(apiHost) ? [apiHost] : [],
      clock: systemClock,
      rng: cryptoRng,
      logger,
      statusRefreshMs: config.statusInterval,
      statusMinGapMs: config.statusMinGap,
      statsIntervalMs: config.statsInterval,
      adoptGraceMs: config.adoptGrace,
      handshakeFreshMs: 180_000,
    });
    agent.start();
    registerAgentMetrics(metrics, agent);

    let gateway: GatewayAgent | undefined;
    if (config.gatewayControllerAddress) {
      gateway = new GatewayAgent({
        nodeName: config.nodeName,
        client: createClient(GatewayControlClient, config.gatewayControllerAddress, { tracer }),
        snat: gatewaySnat,
        sysctl: new SysctlApplier(procSysctl(), logger),
        routing: (r) => agent.setGatewayRouting(r),
        clock: systemClock,
        rng: cryptoRng,
        logger,
      });
      gateway.start();
    }

    const grpc = new GrpcServer({ logger, tracer });
    grpc.addService('wirekube.v1.AgentAdmin', AgentAdminService, adminServer(() => agent.state, { nodeName: config.nodeName, publicKey: keys.publicKey.toBase64(), version: VERSION }));
    await mkdir(dirname(config.adminSocket), { recursive: true });
    await rm(config.adminSocket, { force: true });
    await grpc.listen(`unix:${config.adminSocket}`);
    logger.info('agent running', { pid: process.pid, node: config.nodeName, mesh: config.meshName, adminSocket: config.adminSocket });
    setReady(true);
    onShutdown(async () => {
      // WireGuard, routes and rules stay: the next agent re-adopts them without an outage.
      await gateway?.stop();
      agent.close();
      await grpc.shutdown({ drainMs: config.shutdownDrain, graceMs: config.shutdownGrace });
      await api.close();
      stun.close();
      netlink.close();
    });
  },
});
