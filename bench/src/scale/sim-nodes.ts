// Child process of the scale benchmark: the simulated nodes. Each issues the API traffic a real
// agent issues, and nothing else:
//  - two watches (WireKubePeers and WireKubeMeshes) with client-go's rotation (server timeout of
//    300 s + up to 100 % jitter, resumed from the last resourceVersion, as @wirekube/k8s Informer
//    does);
//  - its status through the agent's own PeerStatusPublisher (change-only, min gap, health gap,
//    refresh), offered every statsInterval (2 s) with the status the agent's own `agentStatusOf`
//    computes for a node whose every peer is on the relay with a fresh handshake;
//  - on join: GET its Node, list peers and meshes, open the watches, create its WireKubePeer;
//    on leave: its Node is deleted (owner GC removes the peer) and its watches close.
// What a sim does NOT do is decode events and plan: the sample of real agents does that.
//   argv: <api url> <initial count>
//   IPC in: { type: 'join' | 'leave', index } | { type: 'report' }
//   IPC out: { type: 'ready' } | { type: 'joined', name, key, createdAtMs } | { type: 'report', seen: SimSeen[], writes, errors }
import { request, Agent as HttpAgent, type ClientRequest } from 'node:http';
import type { PeerStatus } from '@wirekube/k8s';
import type { PathState } from '@wirekube/planner';
import { cryptoRng, nullLogger, systemClock } from '@wirekube/util';
// The agent's own status code (apps are not importable as packages), imported by path deliberately.
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { AgentState } from '../../../apps/agent/src/agent';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { agentStatusOf } from '../../../apps/agent/src/agent-status';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { PeerStatusPublisher } from '../../../apps/agent/src/status-writer';
import { forEachLine } from '../watch-lines';
import { MESHES, mustCall, nodeObject, parallel, PEERS, simKey, simName, simPeer, type SimSeen } from './fixtures';

const STATS_INTERVAL_MS = 2000;
const BUCKETS = 20;
const watchAgent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });

let url = '';
/** Per joined name: how many watches have seen its ADDED, and when the last did. */
/**
 * Per joined peer: the WireKubePeer watches open when it was created, and when each saw its ADDED.
 * A watch whose sim left before seeing it no longer counts (it never will).
 */
const seen = new Map<string, { expected: Set<RotatingWatch>; by: Map<RotatingWatch, number> }>();
/** Open WireKubePeer watches (each resumes across its rotations). */
const peerWatches = new Set<RotatingWatch>();
let errors = 0;

/** One watch with client-go's rotation (resumed from its last resourceVersion); a WireKubePeer watch notes when it sees each joined peer's ADDED. */
class RotatingWatch {
  private req?: ClientRequest;
  closed = false;
  constructor(private readonly path: string, private rv: string, private readonly peers: boolean) {
    if (peers) peerWatches.add(this);
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    const timeout = 300 + Math.floor(Math.random() * 300);
    this.req = request(`${url}${this.path}?watch=true&allowWatchBookmarks=true&timeoutSeconds=${timeout}&resourceVersion=${this.rv}`, { agent: watchAgent }, (res) => {
      forEachLine(res, (line) => {
        this.rv = /"resourceVersion":"(\d+)"/.exec(line)?.[1] ?? this.rv;
        if (this.peers && line.startsWith('{"type":"ADDED"')) {
          const s = seen.get(/"name":"([^"]+)"/.exec(line)?.[1] ?? '');
          if (s?.expected.has(this) && !s.by.has(this)) s.by.set(this, Date.now());
        }
      });
      res.on('end', () => this.open());
    });
    this.req.on('error', () => {
      if (!this.closed) errors++;
    });
    this.req.end();
  }

  close(): void {
    this.closed = true;
    peerWatches.delete(this);
    this.req?.destroy();
  }
}

/** One simulated node: its watches and its status publisher. */
class SimNode {
  readonly publisher: PeerStatusPublisher;
  watches: RotatingWatch[] = [];
  previous?: PeerStatus;
  constructor(readonly index: number) {
    this.publisher = new PeerStatusPublisher({
      name: simName(index),
      patchStatus: async (name, patch) => {
        await mustCall(url, 'PATCH', `${PEERS}/${name}/status`, { status: patch }, 'application/merge-patch+json').catch((err: unknown) => {
          errors++;
          throw err;
        });
      },
      clock: systemClock,
      rng: cryptoRng,
      logger: nullLogger,
      minGapMs: 1000,
      refreshMs: 30_000,
    });
  }

  offer(base: PeerStatus): void {
    const now = new Date().toISOString();
    // What agentStatusOf does with this node's own previous status: keep unchanged conditions' times.
    const conditions = base.conditions?.map((c) => {
      const before = this.previous?.conditions?.find((p) => p.type === c.type);
      return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now };
    });
    this.previous = { ...base, ...(conditions && { conditions }) };
    this.publisher.offer(this.previous);
  }

  close(): void {
    this.publisher.close();
    for (const w of this.watches) w.close();
  }
}

const nodes = new Map<number, SimNode>();
const startedAtMs = Date.now();

/** The status every sim would compute now (the same membership and paths for all), from the agent's own code. */
function baseStatus(): PeerStatus {
  const now = Date.now();
  const members = [...nodes.keys()];
  const paths = new Map<string, { state: PathState; sinceMs: number }>();
  const stats = new Map<string, { publicKey: string; lastHandshakeMs: number; rxBytes: number; txBytes: number }>();
  for (const i of members) {
    paths.set(simName(i), { state: { kind: 'relay', endpoint: { host: '127.0.0.1', port: 20000 + i }, reason: 'relay: both nodes hold a relay session' }, sinceMs: startedAtMs });
    // WireGuard re-handshakes every 2 minutes; counters move with traffic.
    stats.set(simKey(i), { publicKey: simKey(i), lastHandshakeMs: now - ((i * 7919 + now) % 120_000), rxBytes: Math.floor((now - startedAtMs) / 10), txBytes: Math.floor((now - startedAtMs) / 12) });
  }
  const state = {
    paths,
    stats,
    relaySessions: ['relay-0'],
    startedAtMs,
    nat: { natType: 'port-restricted-cone', nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPattern: 'preserving', portDelta: 0 } },
    view: { peers: [], invalid: new Map() },
    plan: { peers: members.map((i) => ({ node: simName(i), publicKey: simKey(i), allowedIps: [], persistentKeepaliveSec: 25 })), problems: [] },
  } as unknown as AgentState;
  return agentStatusOf(state, { nodeName: 'sim', nowMs: now, handshakeFreshMs: 180_000 });
}

async function currentRv(path: string): Promise<string> {
  return (JSON.parse(await mustCall(url, 'GET', `${path}?limit=1`)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

async function join(index: number): Promise<void> {
  const name = simName(index);
  await mustCall(url, 'POST', '/api/v1/nodes', nodeObject(name, index));
  const node = new SimNode(index);
  // The agent's start: its Node, the two lists, the two watches, then its own WireKubePeer.
  const uid = (JSON.parse(await mustCall(url, 'GET', `/api/v1/nodes/${name}`)) as { metadata: { uid: string } }).metadata.uid;
  const peerList = await mustCall(url, 'GET', PEERS);
  const meshList = await mustCall(url, 'GET', MESHES);
  const rvOf = (text: string) => /"resourceVersion":"(\d+)"/.exec(text)?.[1] ?? '0';
  node.watches.push(new RotatingWatch(PEERS, rvOf(peerList), true), new RotatingWatch(MESHES, rvOf(meshList), false));
  seen.set(name, { expected: new Set(peerWatches), by: new Map() });
  const createdAtMs = Date.now();
  await mustCall(url, 'POST', PEERS, simPeer(index, uid));
  nodes.set(index, node);
  process.send?.({ type: 'joined', name, key: simKey(index), createdAtMs });
  node.offer(baseStatus());
}

async function leave(index: number): Promise<void> {
  const node = nodes.get(index);
  if (!node) return;
  nodes.delete(index);
  node.close();
  await mustCall(url, 'DELETE', `/api/v1/nodes/${simName(index)}`);
}

async function main(): Promise<void> {
  url = process.argv[2]!;
  const count = Number(process.argv[3]);
  for (let i = 0; i < count; i++) nodes.set(i, new SimNode(i));
  // First statuses before any watch is open (the seeded cluster as if every agent had run a while).
  const first = baseStatus();
  for (const n of nodes.values()) n.offer(first);
  const deadline = Date.now() + 300_000;
  while ([...nodes.values()].some((n) => n.publisher.writes === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const peersRv = await currentRv(PEERS);
  const meshesRv = await currentRv(MESHES);
  await parallel([...nodes.values()], 64, async (n) => {
    n.watches.push(new RotatingWatch(PEERS, peersRv, true), new RotatingWatch(MESHES, meshesRv, false));
    await new Promise((r) => setImmediate(r));
  });
  // Each 2 s cycle offers every node its status, one twentieth of the nodes every 100 ms.
  let tick = 0;
  let base = baseStatus();
  setInterval(() => {
    if (tick % BUCKETS === 0) base = baseStatus();
    for (const n of nodes.values()) if (n.index % BUCKETS === tick % BUCKETS) n.offer(base);
    tick++;
  }, STATS_INTERVAL_MS / BUCKETS);
  process.on('message', (m: { type: string; index?: number }) => {
    const fail = (err: unknown) => {
      errors++;
      process.stderr.write(`sim ${m.type} ${m.index}: ${err instanceof Error ? err.message : String(err)}\n`);
    };
    if (m.type === 'join') void join(m.index!).catch(fail);
    if (m.type === 'leave') void leave(m.index!).catch(fail);
    if (m.type === 'report') {
      const out: SimSeen[] = [...seen].map(([name, s]) => {
        const live = [...s.expected].filter((w) => !w.closed || s.by.has(w));
        const times = live.flatMap((w) => s.by.get(w) ?? []);
        return { name, watchers: times.length, expected: live.length, lastMs: Math.max(0, ...times) };
      });
      const writes = [...nodes.values()].reduce((a, n) => a + n.publisher.writes, 0);
      process.send?.({ type: 'report', seen: out, writes, errors, openPeerWatches: peerWatches.size });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready' });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
