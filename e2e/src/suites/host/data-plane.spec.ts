import assert from 'node:assert/strict';
import type { HostPlan } from '@wirekube/host';
import { MESH_FWMARK, meshRules, RULE_PRIO_API_SERVER, RULE_PRIO_FWMARK } from '@wirekube/host';
import { useLab } from '../../lab';
import { IFACE, PORT, WgNode } from '../wg/wg-node';
import { NetnsAgent } from './netns-agent-client';

// The node's whole data plane as the agent builds it: wireguard-go (our supervisor, UAPI backend)
// plus routes in table 22347 and the three rules (our appliers, in the node's namespace). Node a
// routes the whole underlay (198.18.0.0/16) into the mesh, the worst case the rules must survive:
// WireGuard's own marked packets and the API server's address must still take the main table.
describe('host + wg: a node data plane with policy routing (real kernel, wireguard-go)', function () {
  this.timeout(30_000);
  const lab = useLab({ sites: [{ name: 'dc', nat: 'public', nodes: ['a', 'b'] }], services: ['api'] });
  const UNDERLAY = '198.18.0.0/16';
  let a: WgNode;
  let b: WgNode;
  let agentA: NetnsAgent;
  let agentB: NetnsAgent;

  const plan = (self: WgNode, peer: WgNode, opts: { captureUnderlay: boolean; dropRule?: number }): HostPlan => ({
    link: { name: IFACE, addresses: [`${self.meshIp}/32`], mtu: 1420, up: true },
    routes: [`${peer.meshIp}/32`, ...(opts.captureUnderlay ? [UNDERLAY] : [])].map((dst) => ({ dst, dev: IFACE, src: self.meshIp })),
    rules: meshRules({ fwmark: MESH_FWMARK, apiServer: lab().host('api').addr }).filter((r) => r.priority !== opts.dropRule),
    sysctls: {},
    snat: [],
  });
  const routeGet = async (node: WgNode, ...args: string[]) => (await node.host.exec(['ip', '-o', 'route', 'get', ...args])).stdout;
  const ping = (from: WgNode, to: string) => from.host.exec(['ping', '-n', '-q', '-c2', '-i0.2', '-W2', to], { allowFail: true });

  before(async () => {
    a = new WgNode(lab().host('a'), '100.96.0.1');
    b = new WgNode(lab().host('b'), '100.96.0.2');
    await Promise.all([a.sup.start(), b.sup.start()]);
    [agentA, agentB] = await Promise.all([NetnsAgent.start(a.host), NetnsAgent.start(b.host)]);
    await a.device.set({ ...a.config(b, `${b.host.addr}:${PORT}`, [UNDERLAY]), fwmark: MESH_FWMARK });
    await b.device.set({ ...b.config(a, `${a.host.addr}:${PORT}`), fwmark: MESH_FWMARK });
    await agentA.call('host.set', plan(a, b, { captureUnderlay: true }));
    await agentB.call('host.set', plan(b, a, { captureUnderlay: false }));
  });
  after(async () => {
    await Promise.all([agentA?.stop(), agentB?.stop()]);
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('mesh traffic flows through the tunnel while WireGuard and the API server path stay on main', async () => {
    const r = await ping(a, b.meshIp);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok((await a.device.stats())[0].rxBytes > 0);
    assert.match(await routeGet(a, b.meshIp), new RegExp(`dev ${IFACE} table 22347 src ${a.meshIp}`));
    assert.match(await routeGet(a, b.host.addr), new RegExp(`dev ${IFACE} table 22347`), 'unmarked underlay traffic is captured');
    assert.doesNotMatch(await routeGet(a, b.host.addr, 'mark', `0x${MESH_FWMARK.toString(16)}`), /table 22347|wk0/, 'WireGuard packets are not');
    assert.doesNotMatch(await routeGet(a, lab().host('api').addr), /table 22347|wk0/, 'the API server is not');
    const api = await ping(a, lab().host('api').addr);
    assert.equal(api.code, 0, api.stdout + api.stderr);
  });

  it('without the fwmark rule WireGuard loops into its own tunnel; restoring it heals the mesh', async () => {
    const cfgA = { ...a.config(b, `${b.host.addr}:${PORT}`, [UNDERLAY]), fwmark: MESH_FWMARK };
    await agentA.call('host.set', plan(a, b, { captureUnderlay: true, dropRule: RULE_PRIO_FWMARK }));
    try {
      assert.match(await routeGet(a, b.host.addr, 'mark', `0x${MESH_FWMARK.toString(16)}`), /dev wk0 table 22347/);
      // wireguard-go pins a learned source interface per peer (IP_PKTINFO), which hides the loop
      // on a warm session; a fresh daemon (as after a restart) has none, like kernel WireGuard.
      await a.sup.stop();
      await a.sup.start();
      await a.device.set(cfgA);
      await agentA.call('host.set', plan(a, b, { captureUnderlay: true, dropRule: RULE_PRIO_FWMARK }));
      assert.notEqual((await ping(a, b.meshIp)).code, 0, 'handshakes routed into the tunnel never arrive');
      assert.equal((await a.device.stats())[0].lastHandshakeMs, 0);
    } finally {
      await agentA.call('host.set', plan(a, b, { captureUnderlay: true }));
    }
    // The next handshake retry (WireGuard retries every 5 s) goes out through main.
    const r = await a.host.exec(['ping', '-n', '-q', '-c1', '-w10', b.meshIp], { allowFail: true });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('without the API-server rule the mesh would capture the API server path', async () => {
    await agentA.call('host.set', plan(a, b, { captureUnderlay: true, dropRule: RULE_PRIO_API_SERVER }));
    try {
      assert.match(await routeGet(a, lab().host('api').addr), /dev wk0 table 22347/);
    } finally {
      await agentA.call('host.set', plan(a, b, { captureUnderlay: true }));
    }
    assert.doesNotMatch(await routeGet(a, lab().host('api').addr), /table 22347/);
  });
});
