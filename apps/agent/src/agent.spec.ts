import { strict as assert } from 'node:assert';
import { ROUTE_TABLE } from '@wirekube/planner';
import { FakeRelay, harness, keyPair, meshObject, peerObject, settle, type Harness } from './agent-harness';

describe('Agent (fakes: API, WireGuard, host, relay, clock)', () => {
  const b = keyPair();
  const c = keyPair();
  let h: Harness;
  afterEach(() => h?.agent.close());

  /** Mesh + two remote peers; relay up with b present, c absent. */
  async function joined(): Promise<Harness> {
    h = harness();
    h.api.meshes.set('default', meshObject({ autoAllowedIPs: { includeNodeInternalIP: true } }));
    h.api.peerObjs.set('b', peerObject('b', b.pub.toBase64(), ['10.250.0.2/32', '10.20.0.0/24']));
    h.api.peerObjs.set('c', peerObject('c', c.pub.toBase64(), ['10.250.0.3/32']));
    h.relay.up = true;
    h.relay.presentKeys.add(b.pub.toBase64());
    h.agent.start();
    await settle();
    return h;
  }

  it('waits for the WireKubeMesh, then joins when it appears (watch, not poll)', async () => {
    h = harness();
    h.api.listed = false;
    h.api.meshes.set('default', meshObject());
    h.agent.start();
    await settle();
    assert.equal(h.host.links.size, 0, 'nothing happens before the first list');
    h.api.meshes.delete('default');
    h.api.listed = true;
    h.api.changed();
    await settle();
    assert.equal(h.host.links.size, 0, 'no device before the mesh exists');
    assert.equal(h.api.specWrites.length, 0);
    h.api.meshes.set('default', meshObject());
    h.api.changed();
    await settle();
    const own = h.api.peerObjs.get('a');
    assert.ok(own, 'own WireKubePeer created');
    assert.deepEqual(own.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'a', uid: 'uid-a' }]);
    assert.equal(own.spec.publicKey, h.keys.pub.toBase64());
    assert.equal(own.spec.allowedIPs?.length, 1);
    assert.match(own.spec.allowedIPs?.[0] ?? '', /^10\.250\.\d+\.\d+\/32$/);
    assert.deepEqual(h.host.links.get('wire_kube')?.addresses, own.spec.allowedIPs);
    assert.equal(h.host.links.get('wire_kube')?.up, true);
  });

  it('publishes the NAT report and the node InternalIP when the mesh asks for it', async () => {
    await joined();
    await h.clock.advance(2000);
    await settle();
    const own = h.api.peerObjs.get('a');
    assert.ok(own?.spec.allowedIPs?.includes('10.1.0.10/32'));
    assert.equal(own?.spec.endpoint, undefined, 'a symmetric NAT has no endpoint worth publishing');
    assert.equal(own?.status?.natType, 'symmetric');
    assert.equal(own?.status?.nat?.mapping, 'address-and-port-dependent');
    assert.equal(own?.status?.endpointDiscoveryMethod, 'stun');
  });

  it('gateway routing: a CIDR injected into a gateway peer is routed; withheld (outside clientRefs) it leaves routes and WireGuard, and comes back when released', async () => {
    await joined();
    const routed = () => h.host.routes.map((r) => r.dst).sort();
    const wgAllowed = async () => (await h.backend.get()).peers.find((p) => p.publicKey.equals(b.pub))?.allowedIps.slice().sort();
    assert.deepEqual(routed(), ['10.20.0.0/24', '10.250.0.2/32'], 'CLIENT: the injected CIDR arrives via AllowedIPs and is routed');
    h.agent.setGatewayRouting({ withhold: ['10.20.0.0/24', 'not-a-cidr'] });
    await settle();
    assert.deepEqual(routed(), ['10.250.0.2/32']);
    assert.deepEqual(await wgAllowed(), ['10.250.0.2/32'], 'WireGuard no longer accepts the withheld CIDR from the gateway');
    assert.deepEqual(h.api.peerObjs.get('b')?.spec.allowedIPs, ['10.250.0.2/32', '10.20.0.0/24'], 'the gateway peer object is untouched');
    const runs = h.agent.reconciles;
    h.agent.setGatewayRouting({ withhold: ['10.20.0.0/24'] });
    await settle();
    assert.equal(h.agent.reconciles, runs, 'an unchanged withhold set costs no reconcile');
    h.agent.setGatewayRouting({ withhold: [] });
    await settle();
    assert.deepEqual(routed(), ['10.20.0.0/24', '10.250.0.2/32']);
    assert.deepEqual(await wgAllowed(), ['10.20.0.0/24', '10.250.0.2/32']);
    // A route covering this node's own InternalIP (10.1.0.10: a gateway candidate sitting in the
    // routed VPC subnet) is never sent through the mesh.
    h.api.peerObjs.set('b', peerObject('b', b.pub.toBase64(), ['10.250.0.2/32', '10.20.0.0/24', '10.1.0.0/24']));
    h.api.changed();
    await settle();
    assert.deepEqual(routed(), ['10.20.0.0/24', '10.250.0.2/32']);
  });

  it('relay first: a peer present on the relay gets the proxy endpoint and routes; an absent one gets neither', async () => {
    await joined();
    const dev = await h.backend.get();
    const pb = dev.peers.find((p) => p.publicKey.equals(b.pub));
    const pc = dev.peers.find((p) => p.publicKey.equals(c.pub));
    assert.equal(pb?.endpoint, '127.0.0.1:40000');
    assert.deepEqual(pb?.allowedIps.sort(), ['10.20.0.0/24', '10.250.0.2/32']);
    assert.ok(pc, 'c is still a WireGuard peer so a handshake can happen on any path');
    assert.equal(pc.endpoint, undefined);
    assert.equal(pb?.persistentKeepaliveSec, 25);
    assert.equal(pc.persistentKeepaliveSec, 0, 'keepalive starts with the endpoint, so the handshake starts at once');
    assert.deepEqual(h.host.routes.map((r) => r.dst).sort(), ['10.20.0.0/24', '10.250.0.2/32']);
    assert.ok(h.host.routes.every((r) => r.table === ROUTE_TABLE && r.dev === 'wire_kube'));
    assert.deepEqual(h.host.rules.map((r) => r.priority).sort(), [100, 150, 200]);
    const paths = h.agent.state.paths;
    assert.equal(paths.get('b')?.state.kind, 'relay');
    assert.equal(paths.get('c')?.state.kind, 'down');
    assert.match(paths.get('c')?.state.reason ?? '', /no session/);

    h.relay.presentKeys.add(c.pub.toBase64());
    h.relay.changed();
    await settle();
    assert.equal(h.agent.state.paths.get('c')?.state.kind, 'relay');
    assert.ok(h.host.routes.some((r) => r.dst === '10.250.0.3/32'));
  });

  it('coalesces bursts of watch events and changes nothing when nothing changed', async () => {
    await joined();
    const runs = h.agent.reconciles;
    const updates = h.backend.updates.length;
    const writes = h.host.calls.length;
    for (let i = 0; i < 100; i++) h.api.changed();
    await settle();
    assert.ok(h.agent.reconciles - runs <= 2, `100 events cost ${h.agent.reconciles - runs} reconciles`);
    assert.equal(h.backend.updates.length, updates, 'no WireGuard writes');
    assert.equal(h.host.calls.length, writes, 'no host writes');
  });

  it('removes a peer that disappears from WireGuard, routes and the relay proxy', async () => {
    await joined();
    h.api.peerObjs.delete('b');
    h.api.changed();
    await settle();
    assert.equal((await h.backend.get()).peers.some((p) => p.publicKey.equals(b.pub)), false);
    assert.equal(h.host.routes.some((r) => r.dst === '10.20.0.0/24'), false);
    assert.deepEqual(h.relay.forgotten, [b.pub.toBase64()]);
  });

  it('leaves out a peer with bad content and says so in a condition; the rest is unaffected', async () => {
    await joined();
    const d = keyPair();
    h.api.peerObjs.set('d', peerObject('d', d.pub.toBase64(), ['10.99.0.0/33']));
    h.api.peerObjs.set('e', peerObject('e', 'not-a-key', ['10.98.0.0/24']));
    h.api.changed();
    await settle();
    await h.clock.advance(1000);
    await settle();
    assert.equal(h.agent.state.paths.get('b')?.state.kind, 'relay');
    assert.equal((await h.backend.get()).peers.length, 2, 'only b and c');
    const cond = h.api.peerObjs.get('a')?.status?.conditions?.find((x) => x.type === 'PeersIgnored');
    assert.equal(cond?.status, 'True');
    assert.match(cond?.message ?? '', /d: spec\.allowedIPs/);
    assert.match(cond?.message ?? '', /e: spec\.publicKey/);
  });

  it('reports Connected only with a fresh handshake; writes status only on change and rate-limited', async () => {
    await joined();
    h.relay.presentKeys.add(c.pub.toBase64());
    h.relay.changed();
    await settle();
    await h.clock.advance(2000);
    await settle();
    assert.equal(h.api.peerObjs.get('a')?.status?.connected, false, 'no handshake yet');
    h.backend.traffic(b.pub, h.clock.now(), 100, 100);
    h.backend.traffic(c.pub, h.clock.now(), 100, 100);
    await h.clock.advance(2000);
    await settle();
    const st = h.api.peerObjs.get('a')?.status;
    assert.equal(st?.connected, true);
    assert.deepEqual(st?.pathSummary, { direct: 0, relay: 2, none: 0 });
    const writes = h.api.statusWrites.length;
    // Counters move every second; only one write per refresh interval follows.
    for (let i = 0; i < 29; i++) {
      h.backend.traffic(b.pub, h.clock.now(), 10, 10);
      await h.clock.advance(1000);
    }
    await settle();
    assert.equal(h.api.statusWrites.length, writes, 'counter changes wait for the refresh interval');
    await h.clock.advance(3000);
    await settle();
    assert.equal(h.api.statusWrites.length, writes + 1);
  });

  it('keeps the data plane while the API server is down and catches up when it returns', async () => {
    await joined();
    await h.clock.advance(2000);
    await settle();
    h.api.down = true;
    const before = await h.backend.get();
    h.relay.presentKeys.add(c.pub.toBase64());
    h.relay.changed();
    await settle();
    await h.clock.advance(5000);
    await settle();
    const after = await h.backend.get();
    assert.equal(after.peers.length, before.peers.length, 'cached objects keep the mesh planned');
    assert.equal(after.peers.find((p) => p.publicKey.equals(c.pub))?.endpoint, '127.0.0.1:40001', 'paths still follow the relay');
    assert.notEqual(h.api.peerObjs.get('a')?.status?.pathSummary?.relay, 2, 'status could not be written');
    h.api.down = false;
    await h.clock.advance(30_000);
    await settle();
    assert.equal(h.api.peerObjs.get('a')?.status?.pathSummary?.relay, 2, 'status caught up');
  });

  it('re-adopts the data plane after a restart without tearing it down', async () => {
    await joined();
    h.relay.presentKeys.add(c.pub.toBase64());
    h.relay.changed();
    await settle();
    const api = h.api;
    const host = h.host;
    const backend = h.backend;
    h.agent.close();
    const routesBefore = JSON.stringify(host.routes);
    const updatesBefore = backend.updates.length;
    const writesBefore = host.calls.length;
    // The new agent's relay sessions are not up yet; its proxy endpoints will be new.
    h = harness({ api, host, backend, keys: h.keys, relay: new FakeRelay(41000) });
    h.agent.start();
    await settle();
    assert.equal(backend.updates.length, updatesBefore, 'no WireGuard change during the grace period');
    assert.equal(host.calls.length, writesBefore, 'no host change during the grace period');
    h.relay.up = true;
    h.relay.presentKeys.add(b.pub.toBase64());
    h.relay.changed();
    await settle();
    assert.equal(backend.updates.length, updatesBefore, 'still waiting: c has no path yet');
    h.relay.presentKeys.add(c.pub.toBase64());
    h.relay.changed();
    await settle();
    assert.equal(JSON.stringify(host.routes), routesBefore, 'routes untouched');
    assert.equal(host.calls.length, writesBefore, 'no host change at all');
    assert.equal(backend.updates.length, updatesBefore + 1, JSON.stringify(backend.updates.slice(updatesBefore)));
    const last = backend.updates.at(-1);
    assert.ok(last && last.peers.length === 2 && last.peers.every((p) => !p.remove && p.endpoint !== undefined), 'only the new proxy endpoints are written');
  });

  it('marks its own object SpecValid=False when an earlier-named peer already claims its AllowedIPs', async () => {
    h = harness();
    h.api.meshes.set('default', meshObject());
    h.api.peerObjs.set('0-first', peerObject('0-first', b.pub.toBase64(), ['10.20.0.0/24']));
    h.api.peerObjs.set('a', { ...peerObject('a', h.keys.pub.toBase64(), ['10.20.0.0/24']), status: {} });
    h.relay.up = true;
    h.agent.start();
    await settle();
    await h.clock.advance(2000);
    await settle();
    const cond = h.api.peerObjs.get('a')?.status?.conditions?.find((x) => x.type === 'SpecValid');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'AllowedIPsConflict');
    assert.match(cond?.message ?? '', /already claimed by 0-first/);
  });

  it('re-creates a WireGuard peer whose usable path has no handshake, at most once per rekey timeout', async () => {
    await joined();
    const removals = () => h.backend.updates.filter((u) => u.peers.some((p) => p.remove && p.publicKey.equals(b.pub))).length;
    await h.clock.advance(800);
    await settle();
    assert.equal(removals(), 1, 'nudged once after 500 ms without a handshake');
    const peer = (await h.backend.get()).peers.find((p) => p.publicKey.equals(b.pub));
    assert.equal(peer?.endpoint, '127.0.0.1:40000', 'and re-added with its endpoint');
    await h.clock.advance(2000);
    await settle();
    assert.equal(removals(), 1, 'not again within 5 s');
    h.backend.traffic(b.pub, h.clock.now(), 1, 1);
    await h.clock.advance(10_000);
    await settle();
    assert.equal(removals(), 1, 'never once a handshake happened');
  });
});
