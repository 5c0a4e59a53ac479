import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { AgentAdminClient, PathKind, type PeerInfo } from '@wirekube/proto';
import { generateWgKeyPair, uapiRequest, type Lab, type LabHost, type LabProcess } from '../../lab';
import { LAB_RELAY, startLabRelay } from '../relay/relay-tool-client';

const E2E_ROOT = resolve(__dirname, '../../..');
const APPS = resolve(E2E_ROOT, '../apps');
const CRDS = resolve(E2E_ROOT, '../deploy/crds');
const TSX_ENV = { TSX_TSCONFIG_PATH: resolve(E2E_ROOT, 'tsconfig.json'), OTEL_TRACES_EXPORTER: 'none' };
const tsx = (main: string, args: string[]) => [process.execPath, '--require', 'tsx/cjs', main, ...args];

/** Where the mesh's services live in the lab. */
export const API_PORT = 6443;
export const IFACE = 'wk0';
export const LISTEN_PORT = 51822;

/** One mesh node in the lab: its WireGuard, stun-probe sidecar and agent, each a separate process. */
export interface MeshNode {
  name: string;
  host: LabHost;
  wg: LabProcess;
  stunProbe: LabProcess;
  agent: LabProcess;
  publicKey: string;
  /** Date.now() just before the agent was spawned. */
  agentStartedAt: number;
}

/** The shared services of a mesh in the lab. */
export interface MeshServices {
  api: LabProcess;
  relay: LabProcess;
  stun: LabProcess;
  /** Runs kubectl inside the api host against the stand-in. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Kubeconfig file (inside the api host's directory) for processes run in the api host. */
  kubeconfig: string;
}

/** Runs a TypeScript entry point under tsx, the way the suites start services that are not bundled. */
export function tsxCommand(main: string, args: string[]): { argv: string[]; cwd: string; env: Record<string, string> } {
  return { argv: tsx(main, args), cwd: E2E_ROOT, env: TSX_ENV };
}

/**
 * Bundles the agent exactly as `nx build agent` does (esbuild, dist/main.js behind bin/) so agents
 * start and restart as fast as the shipped binary instead of compiling TypeScript under tsx.
 */
export async function bundleAgent(): Promise<string> {
  const dir = join(APPS, 'agent');
  await new Promise<void>((done, fail) =>
    execFile(process.execPath, [resolve(E2E_ROOT, '../tools/bundle.mjs')], { cwd: dir }, (err, _o, stderr) => (err ? fail(new Error(`bundling the agent failed: ${stderr}`)) : done())),
  );
  return join(dir, 'bin/wirekube-agent');
}

/**
 * Starts the API stand-in, the STUN servers and the relay, installs the CRDs and the mesh.
 * `includeNodeInternalIP` makes every node route its InternalIP through the mesh (the hybrid
 * kubelet case of a WireKubeGateway); `birthdayAttack` sets `natTraversal.birthdayAttack: enabled`.
 */
export async function startMeshServices(lab: Lab, mesh: { excludeCIDRs?: string[]; includeNodeInternalIP?: boolean; birthdayAttack?: boolean } = {}): Promise<MeshServices> {
  const apiHost = lab.host('api');
  const kubeconfig = writeKubeconfig(apiHost.dir, apiHost.addr);
  const api = apiHost.spawn(tsx(resolve(__dirname, 'kube-api-tool.ts'), [String(API_PORT), join(apiHost.dir, 'kube-api.json')]), { name: 'kube-api', cwd: E2E_ROOT, env: TSX_ENV });
  const stunHost = lab.host('stun');
  const stun = stunHost.spawn(
    tsx(join(APPS, 'stun-probe/src/main.ts'), ['serve', '--listen-ips=198.18.0.10,198.18.0.11', '--metrics-address=']),
    { name: 'stun-server', cwd: E2E_ROOT, env: TSX_ENV },
  );
  const [relay] = await Promise.all([startLabRelay(lab.host('relay')), api.waitForOutput(/kube-api listening/, 30_000), stun.waitForOutput(/STUN server listening/, 30_000)]);
  const kubectl = async (args: string[], input?: string) => {
    const r = await apiHost.exec(['kubectl', '--kubeconfig', kubeconfig, '--cache-dir', join(apiHost.dir, 'kcache'), ...args], { ...(input !== undefined && { input }), timeoutMs: 30_000 });
    return r.stdout;
  };
  await kubectl(['apply', '-f', join(CRDS, 'wirekubemeshes.yaml'), '-f', join(CRDS, 'wirekubepeers.yaml'), '-f', join(CRDS, 'wirekubegateways.yaml')]);
  const spec = {
    apiVersion: 'wirekube.io/v1alpha1',
    kind: 'WireKubeMesh',
    metadata: { name: 'default' },
    spec: {
      listenPort: LISTEN_PORT,
      interfaceName: IFACE,
      stunServers: ['198.18.0.10:3478', '198.18.0.11:3478'],
      meshCIDR: '10.250.0.0/16',
      relay: { mode: 'auto', endpoints: [`${lab.host('relay').addr}:${LAB_RELAY.dataPort}`] },
      ...(mesh.excludeCIDRs && { routing: { excludeCIDRs: mesh.excludeCIDRs } }),
      ...(mesh.includeNodeInternalIP && { autoAllowedIPs: { includeNodeInternalIP: true } }),
      ...(mesh.birthdayAttack && { natTraversal: { birthdayAttack: 'enabled' } }),
    },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(spec));
  return { api, relay, stun, kubectl, kubeconfig };
}

/** Registers the Node object, then starts WireGuard, the stun-probe sidecar and the agent in `host`. */
export async function startMeshNode(lab: Lab, services: MeshServices, host: LabHost, agentBin: string, extraAgentArgs: string[] = []): Promise<MeshNode> {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: host.name }, status: { addresses: [{ type: 'InternalIP', address: host.addr }] } };
  await services.kubectl(['apply', '-f', '-'], JSON.stringify(node));
  const keys = generateWgKeyPair();
  const stateDir = join(host.dir, 'agent');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, 'private.key'), `${keys.privateKey}\n`, { mode: 0o600 });
  // wireguard-go is its own process (as with a DaemonSet's sidecar or a systemd unit), so an agent
  // restart adopts the running device instead of recreating it.
  const wg = await startWireguardGo(host);
  const stunProbe = host.spawn(tsx(join(APPS, 'stun-probe/src/main.ts'), ['--grpc-address=127.0.0.1:9471', '--stun-servers=198.18.0.10:3478,198.18.0.11:3478', '--metrics-address=']), {
    name: 'stun-probe',
    cwd: E2E_ROOT,
    env: TSX_ENV,
  });
  const agentStartedAt = Date.now();
  const agent = host.spawn(
    [process.execPath, agentBin,
      `--node-name=${host.name}`,
      `--kubeconfig=${writeKubeconfig(stateDir, lab.host('api').addr)}`,
      `--key-file=${join(stateDir, 'private.key')}`,
      '--wireguard-backend=userspace',
      '--wireguard-socket-dir=/run/wireguard',
      `--admin-socket=${join(stateDir, 'agent.sock')}`,
      '--stun-probe-address=127.0.0.1:9471',
      `--relay-control-port=${LAB_RELAY.controlPort}`,
      '--metrics-address=',
      '--shutdown-drain=0ms',
      ...extraAgentArgs,
    ],
    { name: 'agent', env: { OTEL_TRACES_EXPORTER: 'none' } },
  );
  return { name: host.name, host, wg, stunProbe, agent, publicKey: keys.publicKey, agentStartedAt };
}

/** WireKubePeer objects as kubectl returns them (the fields the suite reads). */
export interface PeerObject {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { publicKey: string; allowedIPs?: string[]; endpoint?: string };
  status?: { connected?: boolean; natType?: string; pathSummary?: { direct: number; relay: number; none: number }; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}

/** Every WireKubePeer. */
export async function getPeers(services: MeshServices): Promise<PeerObject[]> {
  return (JSON.parse(await services.kubectl(['get', 'wirekubepeers', '-o', 'json'])) as { items: PeerObject[] }).items;
}

/** A node's mesh address: its /32 inside the mesh CIDR. */
export function meshIpOf(p: PeerObject): string | undefined {
  return p.spec.allowedIPs?.find((c) => c.startsWith('10.250.') && c.endsWith('/32'))?.slice(0, -3);
}

/** The agent's AgentAdmin unix socket in `host` (as {@link startMeshNode} passes `--admin-socket`). */
export function adminSocketOf(host: LabHost): string {
  return join(host.dir, 'agent', 'agent.sock');
}

/** One remote peer's path as an agent reports it over AgentAdmin ListPeers. */
export interface PeerPath {
  peer: string;
  path: 'direct' | 'relay' | 'down';
  reason: string;
  endpoint: string;
}

const PATH_NAMES: Partial<Record<PathKind, PeerPath['path']>> = { [PathKind.PATH_KIND_DIRECT]: 'direct', [PathKind.PATH_KIND_RELAY]: 'relay', [PathKind.PATH_KIND_DOWN]: 'down' };

/**
 * Reads `host`'s agent's view of every peer over its admin socket. Keep one reader per host for
 * polling (one gRPC channel, not one per call); `close()` it when done. A read that fails (agent
 * not up yet, restarting) rejects; callers polling treat that as "not yet".
 */
export function peerPathReader(host: LabHost): { read(timeoutMs?: number): Promise<PeerPath[]>; close(): void } {
  const client = new AgentAdminClient(`unix:${adminSocketOf(host)}`, credentials.createInsecure());
  return {
    read: (timeoutMs = 2000) =>
      new Promise<PeerPath[]>((ok, fail) =>
        client.listPeers({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (err) return fail(err);
          ok(res.peers.map((p: PeerInfo) => ({ peer: p.nodeName, path: PATH_NAMES[p.path] ?? 'down', reason: p.reason, endpoint: p.endpoint ? `${p.endpoint.ip}:${p.endpoint.port}` : '' })));
        }),
      ),
    close: () => client.close(),
  };
}

/** Starts wireguard-go for the mesh interface and resolves once its UAPI socket answers. */
async function startWireguardGo(host: LabHost): Promise<LabProcess> {
  const proc = host.spawn(['wireguard-go', IFACE], { name: `wireguard-go-${IFACE}`, env: { WG_PROCESS_FOREGROUND: '1' } });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await uapiRequest(host.wgSocket(IFACE), 'get=1\n\n', 1000);
      return proc;
    } catch (err) {
      if (!proc.running || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function writeKubeconfig(dir: string, apiAddr: string): string {
  const path = join(dir, 'kubeconfig');
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server: `http://${apiAddr}:${API_PORT}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'lab', user: {} }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'lab' } }],
    'current-context': 'lab',
  };
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}
