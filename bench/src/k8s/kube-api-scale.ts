// Scale benchmark of the Kubernetes API test double (DESIGN §10.3, issue 6):
// 1000 Nodes + 1000 WireKubePeers + 1000 open watches; list latency and watch fan-out.
//   cd bench && npx tsx src/k8s/kube-api-scale.ts [--nodes 1000] [--watches 1000] [--updates 200]
// The server runs in its own process; clients use plain HTTP keep-alive connections.
import { spawn } from 'node:child_process';
import { request, Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { wireKubeCrds } from '@wirekube/k8s';
import { forEachLine } from '../watch-lines';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('nodes', 1000);
const WATCHES = arg('watches', 1000);
const UPDATES = arg('updates', 200);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request(base + path, { method, agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function parallel<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

/** CPU time (user+system, ms) the server process has used so far, from /proc. */
function serverCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', resolve(__dirname, 'serve-kube-api.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = (await createInterface(child.stdout)[Symbol.asyncIterator]().next()).value as string;
  const rows: Array<[string, string]> = [];
  const pid = child.pid as number;
  let cpuMark = serverCpuMs(pid);
  /** Server CPU used since the previous call. */
  const cpu = () => {
    const now = serverCpuMs(pid);
    const used = now - cpuMark;
    cpuMark = now;
    return `server CPU ${used.toFixed(0)} ms`;
  };
  try {
    for (const crd of wireKubeCrds) await call(base, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    const key = Buffer.alloc(32, 7).toString('base64');
    const names = Array.from({ length: N }, (_, i) => `node-${String(i).padStart(4, '0')}`);

    let t0 = performance.now();
    cpu();
    await parallel(names, 32, async (name) => {
      const node = JSON.parse((await call(base, 'POST', '/api/v1/nodes', { metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } })).text);
      const owner = { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid };
      const r = await call(base, 'POST', '/apis/wirekube.io/v1alpha1/wirekubepeers', {
        apiVersion: 'wirekube.io/v1alpha1',
        kind: 'WireKubePeer',
        metadata: { name, ownerReferences: [owner] },
        spec: { publicKey: key, endpoint: '198.51.100.1:51822', allowedIPs: ['10.250.0.1/32', '10.244.0.0/24'] },
      });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
    });
    const createMs = performance.now() - t0;
    rows.push([`create ${N} Nodes + ${N} WireKubePeers (32 in flight)`, `${((2 * N) / (createMs / 1000)).toFixed(0)} objects/s; ${cpu()}`]);

    const listLatency = async (path: string, headers: Record<string, string> = {}) => {
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        const s = performance.now();
        const r = await call(base, 'GET', path, undefined, headers);
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        samples.push(performance.now() - s);
      }
      return `p50 ${ms(pct(samples, 50))}, p95 ${ms(pct(samples, 95))}; ${cpu()} for 20`;
    };
    rows.push([`list ${N} WireKubePeers (JSON)`, await listLatency('/apis/wirekube.io/v1alpha1/wirekubepeers')]);
    rows.push([`list ${N} WireKubePeers (Table, kubectl get)`, await listLatency('/apis/wirekube.io/v1alpha1/wirekubepeers', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })]);
    rows.push([`list ${N} Nodes (JSON)`, await listLatency('/api/v1/nodes')]);
    rows.push(['list 1 WireKubePeer by fieldSelector', await listLatency('/apis/wirekube.io/v1alpha1/wirekubepeers?fieldSelector=metadata.name%3Dnode-0500')]);

    // Open the watches (one connection each, like 1000 agents), all from "now".
    const rv = JSON.parse((await call(base, 'GET', '/apis/wirekube.io/v1alpha1/wirekubepeers?limit=1')).text).metadata.resourceVersion;
    let received = 0;
    let lastAt = 0;
    const target = WATCHES * UPDATES;
    let allDone: () => void = () => {};
    const finished = new Promise<void>((r) => (allDone = r));
    const watchAgent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const requests: Array<ReturnType<typeof request>> = [];
    t0 = performance.now();
    cpu();
    await Promise.all(
      Array.from({ length: WATCHES }, () =>
        new Promise<void>((opened, fail) => {
          const req = request(`${base}/apis/wirekube.io/v1alpha1/wirekubepeers?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, { agent: watchAgent }, (res) => {
            opened();
            forEachLine(res, (line) => {
              if (!line.startsWith('{"type":"MODIFIED"')) return;
              received++;
              lastAt = performance.now();
              if (received === target) allDone();
            });
          });
          req.on('error', fail);
          req.end();
          requests.push(req);
        }),
      ),
    );
    rows.push([`open ${WATCHES} watches`, `${ms(performance.now() - t0)}; ${cpu()}`]);

    // Status updates, as agents would write them; each one fans out to every watch.
    t0 = performance.now();
    const updateLatency: number[] = [];
    await parallel(names.slice(0, UPDATES), 8, async (name) => {
      const s = performance.now();
      const r = await call(base, 'PATCH', `/apis/wirekube.io/v1alpha1/wirekubepeers/${name}/status`, { status: { connected: true, natType: 'symmetric', pathSummary: { direct: 3, relay: 1, none: 0 } } }, { 'content-type': 'application/merge-patch+json' });
      if (r.status !== 200) throw new Error(`patch ${name}: ${r.status} ${r.text}`);
      updateLatency.push(performance.now() - s);
    });
    const writesDone = performance.now() - t0;
    await Promise.race([finished, new Promise((r) => setTimeout(r, 120_000))]);
    const fanoutMs = lastAt - t0;
    rows.push([`${UPDATES} status patches while ${WATCHES} watches are open`, `p50 ${ms(pct(updateLatency, 50))}, p95 ${ms(pct(updateLatency, 95))}, all written in ${ms(writesDone)}`]);
    const fanCpu = serverCpuMs(pid) - cpuMark;
    rows.push([`watch events delivered (${received}/${target})`, `${(received / (fanoutMs / 1000)).toFixed(0)} events/s, last after ${ms(fanoutMs)}; ${cpu()}`]);
    rows.push(['server CPU per delivered watch event', `${((fanCpu * 1000) / Math.max(1, received)).toFixed(1)} µs → ${(received / (fanCpu / 1000)).toFixed(0)} events per CPU-second`]);
    requests.forEach((r) => r.destroy());

    // Garbage collection at scale: deleting a Node deletes its WireKubePeer.
    t0 = performance.now();
    cpu();
    await parallel(names.slice(0, 100), 16, async (name) => void (await call(base, 'DELETE', `/api/v1/nodes/${name}`)));
    const gcMs = performance.now() - t0;
    const left = JSON.parse((await call(base, 'GET', '/apis/wirekube.io/v1alpha1/wirekubepeers')).text).items.length;
    rows.push(['delete 100 Nodes (owner GC of their peers)', `${ms(gcMs)}, peers left ${left}/${N - 100}; ${cpu()}`]);
  } finally {
    child.kill('SIGTERM');
    agent.destroy();
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\nkube-api test double at scale (server in its own process, node ${process.version}, load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
