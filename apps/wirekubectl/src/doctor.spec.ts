import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { diagnose, type Finding } from './doctor';
import { gatherNodeFacts, ipJson, type NodeFacts } from './node-facts';

const healthy: NodeFacts = {
  tun: { exists: true, charDevice: true, readWrite: true },
  wireguard: { kernelModule: false, moduleAvailable: false, wireguardGo: '/usr/bin/wireguard-go' },
  link: { name: 'wire_kube', kind: 'tun', up: true, mtu: 1420 },
  rules: [
    { priority: 0, table: 'local' },
    { priority: 100, table: 'main', fwmark: 0x574b },
    { priority: 150, table: 'main', dst: '192.0.2.1/32' },
    { priority: 200, table: '22347' },
    { priority: 32766, table: 'main' },
  ],
  mainRoutes: [
    { dst: 'default', gateway: '10.0.0.254', dev: 'eth0' },
    { dst: '10.244.1.0/24', dev: 'cilium_host' },
  ],
  meshRoutes: [{ dst: '10.250.0.2', dev: 'wire_kube' }, { dst: '172.20.0.0/16', dev: 'wire_kube' }],
  apiServer: { host: 'api.example', ip: '192.0.2.1', route: { dst: '192.0.2.1', dev: 'eth0', gateway: '10.0.0.254' } },
  sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.src_valid_mark': '1' },
  iptables: 'iptables v1.8.9 (nf_tables)',
  udpPortInUse: true,
};
const fails = (f: Finding[]) => f.filter((x) => x.status === 'fail').map((x) => `${x.check}: ${x.detail}`);
const run = (facts: Partial<NodeFacts>) => diagnose({ ...healthy, ...facts }, { interfaceName: 'wire_kube' });

describe('doctor diagnosis', () => {
  it('passes a healthy userspace node', () => {
    const f = run({});
    assert.deepEqual(fails(f), []);
    assert.ok(f.some((x) => x.check === 'wireguard' && x.status === 'ok' && x.detail.includes('userspace /usr/bin/wireguard-go')));
    assert.ok(f.some((x) => x.check === 'api-server' && x.detail === 'api.example (192.0.2.1) via eth0 gw 10.0.0.254, pinned to main'));
  });

  it('fails a mesh route that shadows a CNI route', () => {
    assert.deepEqual(fails(run({ meshRoutes: [{ dst: '10.244.0.0/16', dev: 'wire_kube' }] })), [
      'routes: mesh route 10.244.0.0/16 overlaps CNI route 10.244.1.0/24 dev cilium_host: the mesh rule (priority 200) is consulted before main, so that pod traffic would enter the tunnel (remove the CIDR from the peer\'s allowedIPs, or add it to routing.excludeCIDRs)',
    ]);
  });

  it('fails a foreign fwmark rule that catches WireGuard packets first, but not Cilium\'s usual mark', () => {
    const greedy = run({ rules: [...healthy.rules, { priority: 50, table: '99', fwmark: 0x4b, fwmask: 0xff }] });
    assert.match(fails(greedy)[0], /rule 50 \(fwmark 0x4b\/0xff → 99\) catches WireGuard's marked packets/);
    assert.deepEqual(fails(run({ rules: [...healthy.rules, { priority: 9, table: '2004', fwmark: 0x200, fwmask: 0xf00 }] })), []);
  });

  it('fails an API server path into the tunnel or an unprotected covering route', () => {
    assert.match(fails(run({ apiServer: { host: 'h', ip: '192.0.2.1', route: { dst: '192.0.2.1', dev: 'wire_kube' } } }))[0], /goes into wire_kube/);
    const unpinned = run({ rules: healthy.rules.filter((r) => !r.dst), meshRoutes: [{ dst: '192.0.2.0/24', dev: 'wire_kube' }] });
    assert.match(fails(unpinned)[0], /mesh route 192\.0\.2\.0\/24 covers the API server 192\.0\.2\.1 and no "to 192\.0\.2\.1\/32 lookup main" rule/);
  });

  it('fails missing prerequisites and a mesh rule without the fwmark bypass', () => {
    const f = fails(run({ tun: { exists: false, charDevice: false, readWrite: false }, wireguard: { kernelModule: false, moduleAvailable: false }, rules: healthy.rules.filter((r) => r.fwmark === undefined) }));
    assert.equal(f.length, 3);
    assert.match(f[0], /^tun: \/dev\/net\/tun is missing/);
    assert.match(f[1], /^wireguard: neither kernel WireGuard nor wireguard-go/);
    assert.match(f[2], /^rules: the mesh rule exists without "fwmark 0x574b lookup main"/);
  });
});

describe('doctor facts from a real network namespace', function () {
  const ns = `wkctl-doctor-${process.pid}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { stdio: 'pipe' });
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    execFileSync('ip', ['netns', 'add', ns]);
    for (const dev of ['uplink', 'cilium_host', 'wire_kube']) {
      // No dummy module on these machines; TUN devices work everywhere the agent can run.
      ip('tuntap', 'add', 'dev', dev, 'mode', 'tun');
      ip('link', 'set', dev, 'up');
    }
    ip('addr', 'add', '10.0.0.1/24', 'dev', 'uplink');
    ip('route', 'add', 'default', 'via', '10.0.0.254', 'dev', 'uplink');
    ip('route', 'add', '10.244.1.0/24', 'dev', 'cilium_host');
    ip('route', 'add', '10.244.0.0/16', 'dev', 'wire_kube', 'table', '22347', 'proto', '87');
    ip('route', 'add', '192.0.2.0/24', 'dev', 'wire_kube', 'table', '22347', 'proto', '87');
    ip('rule', 'add', 'fwmark', '0x574b', 'lookup', 'main', 'priority', '100');
    ip('rule', 'add', 'lookup', '22347', 'priority', '200');
  });
  after(() => {
    if (process.getuid?.() === 0) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  });

  it('reads rules, routes and the kernel route to the API server, and finds both conflicts', async () => {
    const facts = await gatherNodeFacts({ ip: ipJson(ns), interfaceName: 'wire_kube', table: 22347, listenPort: 51822, apiHost: '192.0.2.1', resolve: async (h) => h });
    assert.deepEqual(facts.link, { name: 'wire_kube', kind: 'tun', up: true, mtu: 1500 });
    assert.ok(facts.rules.some((r) => r.priority === 100 && r.fwmark === 0x574b && r.table === 'main'));
    assert.deepEqual(facts.meshRoutes.map((r) => r.dst).sort(), ['10.244.0.0/16', '192.0.2.0/24']);
    assert.equal(facts.apiServer?.route?.dev, 'wire_kube');
    const f = fails(diagnose(facts, { interfaceName: 'wire_kube' }));
    assert.ok(f.some((x) => x.startsWith('routes: mesh route 10.244.0.0/16 overlaps CNI route 10.244.1.0/24 dev cilium_host')), f.join('\n'));
    assert.ok(f.some((x) => x.startsWith('api-server: traffic to the API server 192.0.2.1 goes into wire_kube')), f.join('\n'));
  });
});
