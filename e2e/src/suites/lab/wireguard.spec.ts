import assert from 'node:assert/strict';
import { type LabWireguard, startWireguard, useLab } from '../../lab';

describe('lab: wireguard-go across NATs', function () {
  this.timeout(20_000);
  const lab = useLab({
    sites: [
      { name: 'prc-a', nat: 'port-restricted', nodes: ['wa'] },
      { name: 'prc-b', nat: 'port-restricted', nodes: ['wb'] },
      { name: 'sym-a', nat: 'symmetric', nodes: ['sa'] },
      { name: 'sym-b', nat: 'symmetric', nodes: ['sb'] },
    ],
    services: [],
  });

  /** Two wireguard-go peers that aim at each other's public WAN address and the default port. */
  async function pair(n1: string, n2: string): Promise<[LabWireguard, LabWireguard]> {
    const [h1, h2] = [lab().host(n1), lab().host(n2)];
    const [w1, w2] = await Promise.all([
      startWireguard(h1, { address: '10.99.0.1/24' }),
      startWireguard(h2, { address: '10.99.0.2/24' }),
    ]);
    const wan = (h: typeof h1) => `${lab().site(h.site!).wanAddr}:51820`;
    await w1.configure([{ publicKey: w2.keys.publicKey, endpoint: wan(h2), allowedIps: ['10.99.0.2/32'] }]);
    await w2.configure([{ publicKey: w1.keys.publicKey, endpoint: wan(h1), allowedIps: ['10.99.0.1/32'] }]);
    return [w1, w2];
  }

  const ping = (node: string, to: string, args: string[]) =>
    lab().host(node).exec(['ping', '-n', '-q', ...args, to], { allowFail: true });

  it('each node has its own /run/wireguard: `wg` in a node sees only that node', async function () {
    const [w1] = await pair('wa', 'wb');
    const shown = await lab().host('wa').exec(['wg', 'show', 'all', 'public-key']);
    assert.equal(shown.stdout.trim(), `wg0\t${w1.keys.publicKey}`);
    await Promise.all(lab().processes.map((p) => p.stop()));
  });

  it('port-restricted ↔ port-restricted: one side alone is dropped, simultaneous open connects', async function () {
    const [w1, w2] = await pair('wa', 'wb');
    // wa alone: its handshake dies at prc-b's router (unsolicited), but opens prc-a's mapping.
    const lone = await ping('wa', '10.99.0.2', ['-c1', '-W1']);
    assert.notEqual(lone.code, 0, 'an unsolicited handshake must not get through a port-restricted NAT');
    assert.equal((await w2.peers())[0]!.lastHandshakeSec, 0);
    // Both sides send: each router now has the mapping the other side's packets match.
    const both = await Promise.all([ping('wa', '10.99.0.2', ['-c3', '-i0.2', '-W2']), ping('wb', '10.99.0.1', ['-c3', '-i0.2', '-W2'])]);
    assert.deepEqual(both.map((r) => r.code), [0, 0], both.map((r) => r.stdout).join('\n'));
    for (const w of [w1, w2]) {
      const [peer] = await w.peers();
      assert.ok(peer!.lastHandshakeSec > 0, `${w.host.name} completed a handshake`);
      assert.ok(peer!.rxBytes > 0);
    }
    // Endpoints stayed on the public WAN addresses: it really went through both NATs.
    assert.equal((await w1.peers())[0]!.endpoint, `${lab().site('prc-b').wanAddr}:51820`);
    await Promise.all(lab().processes.map((p) => p.stop()));
  });

  it('symmetric ↔ symmetric: simultaneous sending never connects directly', async function () {
    const [w1, w2] = await pair('sa', 'sb');
    const both = await Promise.all([ping('sa', '10.99.0.2', ['-c2', '-i0.5', '-W1']), ping('sb', '10.99.0.1', ['-c2', '-i0.5', '-W1'])]);
    assert.deepEqual(both.map((r) => r.code === 0), [false, false]);
    for (const w of [w1, w2]) {
      const [peer] = await w.peers();
      assert.ok(peer!.txBytes > 0, `${w.host.name} did send handshakes`);
      assert.equal(peer!.lastHandshakeSec, 0, `${w.host.name} must not complete a handshake`);
    }
    await Promise.all(lab().processes.map((p) => p.stop()));
  });
});
