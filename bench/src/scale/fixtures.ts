// Shared pieces of the control-plane scale benchmark (see run.ts): object builders, a plain HTTP
// client, process figures from /proc, and the messages the child processes exchange.
import { request, Agent as HttpAgent } from 'node:http';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { WireKubeMesh, WireKubePeer } from '@wirekube/k8s';

/** Name of the i-th simulated node (sorts after the real agents' `agent-*`). */
export const simName = (i: number): string => `sim-${String(i).padStart(5, '0')}`;

/** A distinct, valid WireGuard public key (32 bytes, base64) for node index `i`; sims need no private key. */
export function simKey(i: number): string {
  const b = Buffer.alloc(32, 0x5a);
  b.writeUInt32BE(i, 0);
  return b.toString('base64');
}

/** The WireKubePeer a simulated node's agent would create (owned by its Node when `nodeUid` is given): mesh /32 (from 10.128/9) and a pod /24 (from 100.64/10). */
export function simPeer(i: number, nodeUid?: string): WireKubePeer {
  const ip = 0x0a800000 + i + 1;
  const mesh = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}/32`;
  const pod = `100.${64 + (i >> 8)}.${i & 255}.0/24`;
  return {
    apiVersion: 'wirekube.io/v1alpha1',
    kind: 'WireKubePeer',
    metadata: {
      name: simName(i),
      annotations: { 'wirekube.io/managed-allowed-ips': mesh },
      ...(nodeUid && { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: simName(i), uid: nodeUid }] }),
    },
    spec: { publicKey: simKey(i), allowedIPs: [mesh, pod], persistentKeepalive: 25 },
  } as WireKubePeer;
}

/** The mesh every benchmark cluster runs: relay-first, mesh CIDR 10.0.0.0/8 (real agents hash into it). */
export function meshObject(): WireKubeMesh {
  return {
    apiVersion: 'wirekube.io/v1alpha1',
    kind: 'WireKubeMesh',
    metadata: { name: 'default' },
    spec: { stunServers: ['198.18.0.10:3478', '198.18.0.11:3478'], meshCIDR: '10.0.0.0/8', relay: { mode: 'auto', endpoints: ['198.18.0.20:3478'] } },
  } as WireKubeMesh;
}

/** A Node object with an InternalIP (what the kubelet registers before the agent starts). */
export function nodeObject(name: string, i: number): object {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: `172.16.${i >> 8}.${i & 255}` }] } };
}

/** client-node configuration for the API test double at `url`. */
export function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'bench', server: url, skipTLSVerify: true }],
    users: [{ name: 'bench' }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  return kc;
}

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 64 });

/** One JSON request over keep-alive HTTP; rejects on transport errors only. */
export function call(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request(base + path, { method, agent: keepAlive, headers: { 'content-type': contentType } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Like {@link call} but fails unless the status is 2xx. */
export async function mustCall(base: string, method: string, path: string, body?: unknown, contentType?: string): Promise<string> {
  const r = await call(base, method, path, body, contentType);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.text;
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function parallel<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++] as T);
  }));
}

/** CPU time (user + system, ms) process `pid` has used, from /proc. */
export function cpuMsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** Resident set size (MB) of process `pid`, from /proc. */
export function rssMbOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** Paths of the WireKube resources on the API server. */
export const PEERS = '/apis/wirekube.io/v1alpha1/wirekubepeers';
export const MESHES = '/apis/wirekube.io/v1alpha1/wirekubemeshes';

/** What the API server child reports on request. */
export interface ServerStats {
  reads: number;
  writes: number;
  watches: number;
  events: number;
  openWatches: number;
  cpuMs: number;
  rssMb: number;
}

/** A real agent (in the sample child) saw a peer key appear in its WireGuard device at `atMs` (epoch ms). */
export interface SeenMessage {
  type: 'seen';
  agent: string;
  key: string;
  atMs: number;
}

/** A simulated node's watch got the ADDED event of `name`: how many watchers did, the last one at `lastMs`. */
export interface SimSeen {
  name: string;
  watchers: number;
  expected: number;
  lastMs: number;
}

/** The figures the probe child reports for one real agent with N peers in the API. */
export interface ProbeResult {
  peers: number;
  devicePeers: number;
  rssMb: number;
  heapMb: number;
  firstReconcileCpuMs: number;
  reconcileCpuMs: number;
  reconcileWallMs: number;
  /** One simulated peer's AllowedIPs edited in the API → in the probe's device: CPU and wall per change. */
  changeCpuMs: number;
  changeWallMs: number;
}

/** Waits for `ok()` to hold, checking every `pauseMs`; rejects after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, ok: () => boolean | Promise<boolean>, pauseMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
