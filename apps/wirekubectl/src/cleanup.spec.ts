import assert from 'node:assert/strict';
import { HostNetworking, MESH_FWMARK, NODE_SYSCTLS, meshRules, type HostPorts } from '@wirekube/host';
import { FakeHost, FakeIptables } from '@wirekube/host/testing';
import { runCli } from './cli';
import type { CleanupDeps } from './commands/cleanup';

/** A node as the agent leaves it, plus entries that belong to someone else. */
async function installedNode(): Promise<{ host: FakeHost; ipt: FakeIptables; ports: HostPorts }> {
  const host = new FakeHost();
  const ipt = new FakeIptables();
  const ports = { routes: host, rules: host, link: host, sysctl: host, iptables: ipt };
  host.addLink('wire_kube', 1420);
  host.addLink('eth0');
  await new HostNetworking(ports).set({
    link: { name: 'wire_kube', addresses: ['10.250.0.1/32'], mtu: 1420, up: true },
    routes: [{ dst: '10.250.0.2/32', dev: 'wire_kube' }, { dst: '10.244.2.0/24', dev: 'wire_kube' }],
    rules: meshRules({ fwmark: MESH_FWMARK, apiServer: '192.0.2.1' }),
    sysctls: NODE_SYSCTLS,
    snat: [{ source: '10.250.0.0/16', destination: '10.100.0.0/16' }],
  });
  host.routes.push({ dst: '10.0.0.0/8', dev: 'eth0', table: 254, proto: 4 });
  host.rules.push({ priority: 9, fwmark: 0x200, table: 2004, proto: 0 });
  return { host, ipt, ports };
}

function deps(ports: HostPorts, keys: Set<string>): CleanupDeps {
  return { open: () => ({ ...ports, close: () => undefined }), keyExists: (p) => keys.has(p), removeKey: async (p) => void keys.delete(p) };
}

async function cli(argv: string[], d: CleanupDeps) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { env: {}, out: (t) => (out += t), err: (t) => (err += t), nowMs: () => 0, cleanup: d });
  return { code, out, err };
}

describe('wirekubectl cleanup', () => {
  it('without --yes lists exactly what WireKube installed and changes nothing', async () => {
    const { host, ipt, ports } = await installedNode();
    const before = host.snapshot() + ipt.snapshot();
    const keys = new Set(['/var/lib/wirekube/private.key']);
    const r = await cli(['cleanup'], deps(ports, keys));
    assert.equal(r.code, 0, r.err);
    const listed = r.out.split('\n').slice(1).filter(Boolean).map((l) => l.trim());
    assert.deepEqual(listed.filter((l) => l.startsWith('ip rule')).length, 3);
    assert.deepEqual(listed.filter((l) => l.startsWith('ip route')).sort(), ['ip route add 10.244.2.0/24 dev wire_kube table 22347', 'ip route add 10.250.0.2/32 dev wire_kube table 22347']);
    assert.equal(listed.filter((l) => l.startsWith('iptables')).length, 1);
    assert.deepEqual(listed.slice(-2), ['ip link del wire_kube', 'rm /var/lib/wirekube/private.key']);
    assert.ok(!r.out.includes('10.0.0.0/8') && !r.out.includes('2004'), 'foreign entries are not listed');
    assert.equal(host.snapshot() + ipt.snapshot(), before);
    assert.ok(keys.size === 1);
  });

  it('with --yes removes rules, routes, SNAT, the link and the key, and leaves foreign entries', async () => {
    const { host, ipt, ports } = await installedNode();
    const keys = new Set(['/var/lib/wirekube/private.key']);
    const r = await cli(['cleanup', '--yes', '--output=json'], deps(ports, keys));
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.removed.rules.length, 3);
    assert.equal(j.removed.routes.length, 2);
    assert.deepEqual(j.removed.link, ['wire_kube']);
    assert.deepEqual(j.removed.key, ['/var/lib/wirekube/private.key']);
    assert.deepEqual(j.failed, []);
    assert.equal(keys.size, 0);
    assert.equal(host.snapshot([22347, 254]).split('\n').filter((l) => l.startsWith('ip ')).join('\n'), [
      'ip link set eth0 mtu 1500 down',
      'ip route add 10.0.0.0/8 dev eth0 table main proto 4',
      'ip rule add prio 9 fwmark 0x200 lookup 2004 proto 0',
    ].join('\n'));
    assert.equal(ipt.snapshot().includes('wirekube'), false);
    const again = await cli(['cleanup', '--yes', '--keep-key'], deps(ports, keys));
    assert.equal(again.out, 'Nothing of WireKube was installed on this node.\n');
  });
});
