import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { InvalidAddressError } from '@wirekube/wg';
import { MESH_TABLE, WIREKUBE_PROTO } from './constants';
import type { HostPlan } from './host-networking';
import { HostNetworking } from './host-networking';
import { meshRules, renderLink, renderRoute, renderRule } from './model';
import { FakeHost, FakeIptables } from './testing';

const MESH_ADDR = '100.96.0.1';
const plan = (peers: number[], opts: { apiServer?: string; mtu?: number; extra?: string[]; throws?: string[] } = {}): HostPlan => ({
  link: { name: 'wire_kube', addresses: [`${MESH_ADDR}/32`], mtu: opts.mtu ?? 1420, up: true },
  routes: [
    ...[...peers.map((n) => `100.96.0.${n}/32`), ...(opts.extra ?? [])].map((dst) => ({ dst, dev: 'wire_kube', src: MESH_ADDR })),
    ...(opts.throws ?? []).map((dst) => ({ type: 'throw' as const, dst, metric: 10 })),
  ],
  rules: meshRules({ fwmark: 0x574b, apiServer: opts.apiServer }),
  sysctls: { 'net.ipv4.ip_forward': '1' },
  snat: [],
});

/** The text a host holding exactly `p` (plus the foreign entries) must print — written independently of the appliers. */
function expected(p: HostPlan, foreign: string[] = []): string {
  const routes = p.routes.map((r) => renderRoute({ ...r, table: MESH_TABLE, proto: WIREKUBE_PROTO }));
  const rules = p.rules.map((r) => renderRule({ ...r, proto: WIREKUBE_PROTO }));
  const link = renderLink({ name: p.link.name, index: 0, mtu: p.link.mtu, up: p.link.up, addresses: p.link.addresses }, p.link.name);
  return [...routes, ...rules, ...link, 'sysctl net.ipv4.conf.all.src_valid_mark=0', 'sysctl net.ipv4.ip_forward=1', ...foreign].sort().join('\n');
}

function rig() {
  const host = new FakeHost();
  host.addLink('wire_kube');
  host.addLink('eth0');
  const ipt = new FakeIptables();
  const net = new HostNetworking({ routes: host, rules: host, link: host, sysctl: host, iptables: ipt });
  return { host, ipt, net };
}

describe('HostNetworking', () => {
  it('prints the whole desired state as sorted ip text', async () => {
    const { host, net } = rig();
    await net.set(plan([2, 3], { apiServer: '192.0.2.10' }));
    assert.equal(
      host.snapshot([MESH_TABLE]),
      [
        'ip addr add 100.96.0.1/32 dev wire_kube',
        'ip link set eth0 mtu 1500 down',
        'ip link set wire_kube mtu 1420 up',
        'ip route add 100.96.0.2/32 dev wire_kube src 100.96.0.1 table 22347',
        'ip route add 100.96.0.3/32 dev wire_kube src 100.96.0.1 table 22347',
        'ip rule add prio 100 fwmark 0x574b lookup main',
        'ip rule add prio 150 to 192.0.2.10/32 lookup main',
        'ip rule add prio 200 lookup 22347',
        'sysctl net.ipv4.conf.all.src_valid_mark=0',
        'sysctl net.ipv4.ip_forward=1',
      ].join('\n'),
    );
  });

  it('changes nothing when set again, and re-adds what someone else deleted', async () => {
    const { host, net } = rig();
    await net.set(plan([2, 3]));
    const before = host.calls.length;
    await net.set(plan([2, 3]));
    assert.equal(host.calls.length, before, host.calls.slice(before).join('\n'));
    host.routes = host.routes.filter((r) => r.dst !== '100.96.0.2/32');
    host.rules = host.rules.filter((r) => r.priority !== 200);
    host.links.get('wire_kube')!.up = false;
    await net.set(plan([2, 3]));
    assert.deepEqual(host.calls.slice(before), [
      'ip link set wire_kube up',
      'ip route add 100.96.0.2/32 dev wire_kube src 100.96.0.1 table 22347',
      'ip rule add prio 200 lookup 22347',
    ]);
  });

  it('never touches routes and rules it does not own', async () => {
    const { host, net } = rig();
    host.routes.push({ dst: '10.0.0.0/8', dev: 'eth0', table: MESH_TABLE, proto: 3 }, { dst: '0.0.0.0/0', dev: 'eth0', table: 254, proto: 3 });
    host.rules.push({ priority: 0, table: 255, proto: 2 }, { priority: 32766, table: 254, proto: 2 }, { priority: 200, table: MESH_TABLE, proto: 3 });
    const foreign = host.snapshot().split('\n').filter((l) => l.includes('proto'));
    await net.set(plan([2], { extra: ['10.0.0.0/8'] }));
    await net.cleanup();
    assert.deepEqual(host.snapshot().split('\n').filter((l) => l.includes('proto')), foreign);
    assert.equal(host.routes.filter((r) => r.proto === WIREKUBE_PROTO).length + host.rules.filter((r) => r.proto === WIREKUBE_PROTO).length, 0);
  });

  it('reports a foreign route in the way instead of replacing it', async () => {
    const { host, net } = rig();
    host.routes.push({ dst: '100.96.0.2/32', dev: 'eth0', table: MESH_TABLE, proto: 4 });
    const report = await net.set(plan([2]));
    assert.match(report.routes.failed.join(), /100\.96\.0\.2\/32.*EEXIST/);
    assert.ok(host.routes.some((r) => r.dev === 'eth0' && r.dst === '100.96.0.2/32'));
  });

  it('reaches every plan from every other, in random order', async () => {
    const plans = [
      plan([]),
      plan([2, 3, 4]),
      plan([3], { apiServer: '192.0.2.10', mtu: 1380 }),
      plan([2, 5], { extra: ['10.20.0.0/16', '10.30.0.7/24'], throws: ['10.20.5.0/24'] }),
      plan([2], { throws: ['10.20.5.0/24', '172.16.0.0/12'] }),
      { ...plan([3]), routes: [...plan([3]).routes, { dst: 'fd00:96::3/128', dev: 'wire_kube' }], rules: meshRules({ fwmark: 0x574b, ipv6: true }) },
      // A down link carries no routes: the kernel refuses them (ENETDOWN) and flushes them on down.
      { ...plan([]), link: { name: 'wire_kube', addresses: ['100.96.0.1/32', '100.96.1.1/24'], mtu: 1420, up: false } },
    ];
    const canonical = (p: HostPlan): HostPlan => ({ ...p, routes: p.routes.map((r) => ({ ...r, dst: r.dst.replace('10.30.0.7/24', '10.30.0.0/24') })) });
    const rng = seededRng(22347);
    const { host, net } = rig();
    for (let i = 0; i < 50; i++) {
      const p = plans[rng.int(0, plans.length)];
      await net.set(p);
      const eth0 = 'ip link set eth0 mtu 1500 down';
      assert.equal(host.snapshot([MESH_TABLE]), expected(canonical(p), [eth0]), `step ${i}`);
    }
  });

  it('handles IPv6 routes, rules and addresses alongside IPv4', async () => {
    const { host, net } = rig();
    const p: HostPlan = {
      ...plan([2]),
      link: { name: 'wire_kube', addresses: ['100.96.0.1/32', 'fd00:96::1/128'], mtu: 1420, up: true },
      routes: [...plan([2]).routes, { dst: 'fd00:96::2/128', dev: 'wire_kube', src: 'fd00:96::1' }, { dst: 'fd10:0:0:0::/64', dev: 'wire_kube' }],
      rules: meshRules({ fwmark: 0x574b, apiServer: '2001:db8::10', ipv6: true }),
    };
    await net.set(p);
    const snap = host.snapshot([MESH_TABLE]);
    for (const line of [
      'ip -6 route add fd00:96::2/128 dev wire_kube src fd00:96::1 table 22347',
      'ip -6 route add fd10::/64 dev wire_kube table 22347',
      'ip -6 rule add prio 100 fwmark 0x574b lookup main',
      'ip -6 rule add prio 150 to 2001:db8::10/128 lookup main',
      'ip -6 rule add prio 200 lookup 22347',
      'ip rule add prio 200 lookup 22347',
      'ip addr add fd00:96::1/128 dev wire_kube',
    ]) {
      assert.ok(snap.split('\n').includes(line), `${line}\n---\n${snap}`);
    }
    const n = host.calls.length;
    await net.set(p);
    assert.equal(host.calls.length, n, 'idempotent with both families');
  });

  it('renders throw routes with metrics the way ip route writes them', async () => {
    const { host, net } = rig();
    await net.set(plan([], { throws: ['10.20.5.0/24'] }));
    assert.match(host.snapshot([MESH_TABLE]), /^ip route add throw 10\.20\.5\.0\/24 metric 10 table 22347$/m);
  });

  it('reports routes on a down link as failed (the kernel refuses them) and re-adds them once up', async () => {
    const { host, net } = rig();
    const down = { ...plan([2]), link: { ...plan([2]).link, up: false } };
    const report = await net.set(down);
    assert.match(report.routes.failed.join(), /ENETDOWN/);
    await net.set(plan([2]));
    assert.equal(host.snapshot([MESH_TABLE]), expected(plan([2]), ['ip link set eth0 mtu 1500 down']));
  });

  it('rejects a malformed plan before changing anything', async () => {
    const { host, net } = rig();
    await net.set(plan([2]));
    const before = host.snapshot();
    await assert.rejects(net.set(plan([3], { extra: ['10.0.0.0/33'] })), InvalidAddressError);
    assert.equal(host.snapshot(), before);
    await assert.rejects(net.set({ ...plan([2]), snat: [{ source: '100.96.0.0/16', toSource: 'not-an-ip' }] }), InvalidAddressError);
    assert.equal(host.snapshot(), before);
  });

  it('cleanup removes everything it installed and restores sysctls', async () => {
    const { host, ipt, net } = rig();
    await net.set({ ...plan([2, 3], { apiServer: '192.0.2.10' }), snat: [{ source: '100.96.0.0/16', outInterface: 'eth0' }] });
    await net.cleanup('wire_kube');
    assert.equal(
      host.snapshot(),
      ['ip link set eth0 mtu 1500 down', 'sysctl net.ipv4.conf.all.src_valid_mark=0', 'sysctl net.ipv4.ip_forward=0'].join('\n'),
    );
    assert.equal(ipt.snapshot(), '');
  });
});
