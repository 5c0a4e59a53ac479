import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_TABLE } from '@wirekube/host';
import { ROUTE_TABLE } from '@wirekube/planner';
import { PathKind } from '@wirekube/proto';
import { nullLogger } from '@wirekube/util';
import { Registry } from 'prom-client';
import { agentStatus, explain, peerInfos } from './admin-service';
import { OWNED_RULE_PRIORITIES } from './agent';
import { harness, keyPair, meshObject, peerObject, settle, type Harness } from './agent-harness';
import { registerAgentMetrics } from './agent-metrics';
import { cleanup, installedStatePath, recordInstalled } from './cleanup';
import { MeshHost } from './host-net';

describe('AgentAdmin views, metrics and cleanup', () => {
  const b = keyPair();
  const c = keyPair();
  let h: Harness;
  afterEach(() => h?.agent.close());

  async function joined(): Promise<Harness> {
    h = harness();
    h.api.meshes.set('default', meshObject());
    h.api.peerObjs.set('b', peerObject('b', b.pub.toBase64(), ['10.250.0.2/32']));
    h.api.peerObjs.set('c', peerObject('c', c.pub.toBase64(), ['10.250.0.3/32']));
    h.relay.up = true;
    h.relay.presentKeys.add(b.pub.toBase64());
    h.agent.start();
    await settle();
    return h;
  }

  it('reports every peer with path and reason, and explains a pair', async () => {
    await joined();
    const peers = peerInfos(h.agent.state);
    assert.deepEqual(peers.map((p) => [p.nodeName, p.path]), [['b', PathKind.PATH_KIND_RELAY], ['c', PathKind.PATH_KIND_DOWN]]);
    assert.deepEqual(peers[0]?.endpoint, { ip: '127.0.0.1', port: 40000 });
    const st = agentStatus(h.agent.state, { nodeName: 'a', publicKey: h.keys.pub.toBase64(), version: 't' });
    assert.equal(st.peersRelay, 1);
    assert.equal(st.peersDown, 1);
    assert.deepEqual(st.relaySessions, ['relay-0']);
    assert.match(st.meshIp, /^10\.250\./);
    const e = explain(h.agent.state, c.pub.toBase64());
    assert.ok(e);
    assert.ok(e.steps.some((s) => /peer holds no session/.test(s)));
    assert.ok(e.wouldChange.some((s) => /common relay replica/.test(s)));
    assert.equal(explain(h.agent.state, 'nobody'), undefined);
  });

  it('exports per-peer metrics labelled by peer', async () => {
    await joined();
    const registry = new Registry();
    registerAgentMetrics(registry, h.agent);
    const text = await registry.metrics();
    assert.match(text, /wirekube_agent_peer_path\{peer="b"\} 2/);
    assert.match(text, /wirekube_agent_peer_path\{peer="c"\} 0/);
    assert.match(text, /wirekube_agent_relay_sessions 1/);
    assert.match(text, /wirekube_agent_punches\{mode="direct",result="won"\} 0/);
    assert.match(text, /wirekube_agent_path_failovers 0/);
  });

  it('cleanup removes rules, the mesh table, the interface and its files, and is idempotent', async () => {
    await joined();
    h.agent.close();
    const dir = mkdtempSync(join(tmpdir(), 'wk-cleanup-'));
    try {
      const keyFile = join(dir, 'private.key');
      writeFileSync(keyFile, 'k\n');
      writeFileSync(join(dir, 'wire_kube.sock'), '');
      writeFileSync(join(dir, 'agent.sock'), '');
      await recordInstalled(installedStatePath(keyFile), { iface: 'wire_kube', backend: 'fake' });
      const host = h.host;
      const foreign = { family: 4 as const, priority: 300, table: MAIN_TABLE, proto: 3 };
      h.host.rules.push(foreign);
      const o = { host: new MeshHost(host, { table: ROUTE_TABLE, rulePriorities: OWNED_RULE_PRIORITIES }), keyFile, adminSocket: join(dir, 'agent.sock'), wireguardSocketDir: dir, logger: nullLogger };
      await cleanup(o);
      assert.equal(host.links.size, 0);
      assert.deepEqual(host.routes, []);
      assert.deepEqual(host.rules, [foreign], "someone else's rule stays");
      assert.deepEqual(readdirSync(dir), ['private.key'], 'the key (node identity) is kept');
      await cleanup(o);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
