import assert from 'node:assert/strict';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { AgentAdminClient, type AgentStatus, type Explanation } from '@wirekube/proto';
import { generateWgKeyPair, useLab } from '../../lab';
import { bundleAgent, getPeers, meshIpOf, startMeshNode, startMeshServices, type MeshNode, type MeshServices, type PeerObject } from './mesh-lab';

/**
 * The agent end to end: four sites (public, port-restricted cone, symmetric, UDP-blocked), two
 * nodes each; the API stand-in, relay, STUN servers, and per node wireguard-go, stun-probe and the
 * agent all run as separate processes. Every pair must ping over WireGuard and every WireKubePeer
 * must report Connected; then an agent restart must keep (most of) the traffic flowing.
 */
describe('agent: relay-first mesh across NAT types', function () {
  this.timeout(240_000);
  const lab = useLab(
    {
      sites: [
        { name: 'pub', nat: 'public', nodes: ['p1', 'p2'] },
        { name: 'prc', nat: 'port-restricted', nodes: ['c1', 'c2'] },
        { name: 'sym', nat: 'symmetric', nodes: ['s1', 's2'] },
        { name: 'blk', nat: 'udp-blocked', nodes: ['u1', 'u2'] },
      ],
    },
    { hookTimeoutMs: 60_000, flushNatBetweenTests: false },
  );
  const names = ['p1', 'p2', 'c1', 'c2', 's1', 's2', 'u1', 'u2'];
  let services: MeshServices;
  let nodes: MeshNode[] = [];
  let ips = new Map<string, string>();
  let agentBin = '';

  /** Resolves when `check` returns a value; polls (the lab offers no event for "ping works"). */
  async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const ping = (from: string, ip: string, args = ['-c1', '-W1']) => lab().host(from).exec(['ping', '-n', '-q', ...args, ip], { allowFail: true });
  const failingPairs = async () => {
    const results = await Promise.all(names.flatMap((a) => names.filter((b) => b !== a).map(async (b) => ((await ping(a, ips.get(b)!)).code === 0 ? undefined : `${a}→${b}`))));
    return results.filter((x): x is string => x !== undefined);
  };

  it('joins every node, pings every pair over WireGuard, and every WireKubePeer reports Connected', async () => {
    const [bin, started] = await Promise.all([bundleAgent(), startMeshServices(lab())]);
    [agentBin, services] = [bin, started];
    const t0 = Date.now();
    nodes = await Promise.all(names.map((n) => startMeshNode(lab(), services, lab().host(n), agentBin)));
    const peers = await until('8 WireKubePeers with mesh addresses', 60_000, async () => {
      const ps = await getPeers(services);
      return ps.length === names.length && ps.every((p) => meshIpOf(p)) ? ps : undefined;
    });
    ips = new Map(peers.map((p) => [p.metadata.name, meshIpOf(p)!]));
    assert.equal(new Set(ips.values()).size, names.length, 'mesh addresses are unique');
    for (const p of peers) assert.deepEqual(p.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), [`Node/${p.metadata.name}`]);

    let lastFailing: string[] = [];
    await until('all pairs to ping', 90_000, async () => {
      lastFailing = await failingPairs();
      return lastFailing.length === 0 ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; still failing: ${lastFailing.join(' ')}`);
    });
    const allPairsMs = Date.now() - t0;

    // A UDP-blocked node learns its NAT type only after its STUN probes time out, which can be
    // after it is connected through the relay: wait for both.
    const connected = await until('every WireKubePeer Connected, with its NAT type', 60_000, async () => {
      const ps = await getPeers(services);
      return ps.every((p) => p.status?.connected === true && (p.status?.natType ?? 'unknown') !== 'unknown') ? ps : undefined;
    });
    const byName = new Map<string, PeerObject>(connected.map((p) => [p.metadata.name, p]));
    assert.equal(byName.get('s1')?.status?.natType, 'symmetric');
    assert.equal(byName.get('u1')?.status?.natType, 'udp-blocked');
    assert.equal(byName.get('p1')?.status?.natType, 'open');
    assert.match(byName.get('p1')?.spec.endpoint ?? '', /^198\.18\.1\.10:51822$/, 'a public node publishes its endpoint');
    // Every pair has a path; which pairs went direct is the paths grid's business (suites/paths).
    for (const p of connected) {
      const sum = p.status?.pathSummary;
      assert.equal((sum?.direct ?? 0) + (sum?.relay ?? 0), 7, `${p.metadata.name}: ${JSON.stringify(sum)}`);
    }
    // AgentAdmin on the node's unix socket tells the same story.
    const admin = new AgentAdminClient(`unix:${join(lab().host('s1').dir, 'agent', 'agent.sock')}`, credentials.createInsecure());
    try {
      const st = await new Promise<AgentStatus>((ok, fail) => admin.getStatus({}, (e, r) => (e ? fail(e) : ok(r))));
      assert.equal(st.meshIp, ips.get('s1'));
      assert.equal(st.peersRelay + st.peersDirect, names.length - 1);
      assert.equal(st.backend, 'userspace:wireguard-go');
      const why = await new Promise<Explanation>((ok, fail) => admin.explain({ peer: 'u2' }, (e, r) => (e ? fail(e) : ok(r))));
      assert.ok(why.steps.some((x) => /udp-blocked: the peer has no UDP path out/.test(x)), why.steps.join('\n'));
    } finally {
      admin.close();
    }
    const table = await services.kubectl(['get', 'wkpeer']);
    assert.match(table, /s1\s+\S+\s+.*true\s+symmetric/, table);
    process.stdout.write(`      agent start → all ${names.length * (names.length - 1)} pairs ping: ${allPairsMs} ms\n${table}`);
  });

  it('re-adopts the data plane on an agent restart: traffic keeps flowing through it', async () => {
    assert.ok(ips.size, 'needs the mesh from the previous test');
    const c1 = nodes.find((n) => n.name === 'c1')!;
    // 10 pps for 15 s from c1 to s1 while c1's agent restarts (its relay proxy restarts with it).
    const flow = ping('c1', ips.get('s1')!, ['-c150', '-i0.1', '-W1']);
    await new Promise((r) => setTimeout(r, 1000));
    await c1.agent.restart();
    await c1.agent.waitForOutput(new RegExp(`"agent running","service":"agent","pid":${c1.agent.pid}`), 30_000);
    const r = await flow;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const lost = Number(m[1]) - Number(m[2]);
    process.stdout.write(`      agent restart at 10 pps: ${lost}/${m[1]} packets lost\n`);
    assert.ok(lost < 120, `lost ${lost} of ${m[1]}: the mesh did not come back\n${c1.agent.tail(80)}`);
    assert.deepEqual(await failingPairs(), [], 'every pair pings after the restart');
  });

  it('survives an API outage, catches up, flags conflicting WireKubePeers with conditions, and rides out a relay restart', async () => {
    assert.ok(ips.size, 'needs the mesh from the first test');
    // API server down: the data plane keeps working on the last known configuration.
    await services.api.stop();
    assert.equal((await ping('p1', ips.get('s2')!)).code, 0, 'p1 → s2 while the API is down');
    assert.equal((await ping('u1', ips.get('c2')!)).code, 0, 'u1 → c2 while the API is down');
    await services.api.restart();
    await services.api.waitForOutput(new RegExp(`kube-api listening .* pid ${services.api.pid}$`), 30_000);

    // A peer claiming p1's mesh address: planned by nobody, reported by everybody, nothing breaks.
    const rogue = { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name: 'rogue' }, spec: { publicKey: generateWgKeyPair().publicKey, allowedIPs: [`${ips.get('p1')}/32`] } };
    await services.kubectl(['apply', '-f', '-'], JSON.stringify(rogue));
    const reported = await until('agents to report the conflicting peer', 60_000, async () => {
      const s1 = (await getPeers(services)).find((p) => p.metadata.name === 's1');
      const c = s1?.status?.conditions?.find((x) => x.type === 'PeersIgnored');
      return c?.status === 'True' ? c : undefined;
    });
    assert.match(reported.message, /rogue: AllowedIPsConflict/);
    assert.equal((await ping('s1', ips.get('p1')!)).code, 0, 'p1 is still reached, not the rogue');

    // A real node's spec edited into the same conflict: its own agent marks its object, and the
    // node recovers when the edit is undone.
    const p2 = (await getPeers(services)).find((p) => p.metadata.name === 'p2')!;
    const withClash = [...(p2.spec.allowedIPs ?? []), `${ips.get('p1')}/32`];
    await services.kubectl(['patch', 'wkpeer', 'p2', '--type=merge', '-p', JSON.stringify({ spec: { allowedIPs: withClash } })]);
    const specValid = (want: string) => async () => {
      const c = (await getPeers(services)).find((p) => p.metadata.name === 'p2')?.status?.conditions?.find((x) => x.type === 'SpecValid');
      return c?.status === want ? c : undefined;
    };
    const bad = await until('p2 to mark its own spec', 30_000, specValid('False'));
    assert.equal(bad.reason, 'AllowedIPsConflict');
    await services.kubectl(['patch', 'wkpeer', 'p2', '--type=merge', '-p', JSON.stringify({ spec: { allowedIPs: p2.spec.allowedIPs } })]);
    await until('p2 to accept its spec again', 30_000, specValid('True'));

    // The relay restarts: sessions come back and every pair pings again.
    await services.relay.restart();
    let lastFailing: string[] = [];
    await until('all pairs to ping after the relay restart', 60_000, async () => {
      lastFailing = await failingPairs();
      return lastFailing.length === 0 ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; still failing: ${lastFailing.join(' ')}`);
    });
  });

  it('`wirekube-agent cleanup` removes the rules, the mesh table and the interface it installed', async () => {
    const u2 = nodes.find((n) => n.name === 'u2')!;
    const host = lab().host('u2');
    await u2.agent.stop();
    const ruleCount = async () => (await host.exec(['ip', '-4', 'rule', 'show'])).stdout.split('\n').filter((l) => /^(100|150|200):/.test(l)).length;
    assert.equal(await ruleCount(), 3, 'the agent left its rules in place on stop (restart adopts them)');
    const owned = async (what: string[]) => (await host.exec(['ip', '-4', ...what])).stdout.split('\n').filter((l) => l.trim());
    const meshTable = await owned(['route', 'show', 'table', '22347']);
    assert.ok(meshTable.length > 0 && meshTable.every((l) => / proto 87\b/.test(l)), `every mesh route carries the host library's mark (proto 87):\n${meshTable.join('\n')}`);
    assert.ok((await owned(['rule', 'show'])).filter((l) => /^(100|150|200):/.test(l)).every((l) => / proto 87\b/.test(l)), 'so do the rules');
    const dir = join(host.dir, 'agent');
    await host.exec([process.execPath, agentBin, 'cleanup', `--key-file=${join(dir, 'private.key')}`, `--admin-socket=${join(dir, 'agent.sock')}`, '--wireguard-socket-dir=/run/wireguard', '--metrics-address=']);
    assert.equal(await ruleCount(), 0);
    assert.equal((await host.exec(['ip', '-4', 'route', 'show', 'table', '22347'], { allowFail: true })).stdout.trim(), '');
    assert.notEqual((await host.exec(['ip', 'link', 'show', 'wk0'], { allowFail: true })).code, 0, 'wk0 is gone');
    assert.equal((await ping('u1', ips.get('p1')!)).code, 0, 'the rest of the mesh is unaffected');
  });
});
