import assert from 'node:assert/strict';
import type { HostPlan, HostReport } from '@wirekube/host';
import { MESH_TABLE, WIREKUBE_PROTO, meshRules, renderLink, renderRoute, renderRule, SNAT_CHAIN } from '@wirekube/host';
import { seededRng } from '@wirekube/util';
import { useLab } from '../../lab';
import { NetnsAgent } from './netns-agent-client';

// Host appliers against the real kernel tables of a lab node (rtnetlink, /proc/sys, iptables-nft).
describe('host networking in a namespace (real kernel)', function () {
  this.timeout(30_000);
  const lab = useLab({ sites: [{ name: 'dc', nat: 'public', nodes: ['n1'] }], services: [] });
  let agent: NetnsAgent;
  const IFACE = 'wire_kube';
  const ADDR = '100.96.0.1';

  before(async function () {
    const host = lab().host('n1');
    // A TUN stands in for the WireGuard interface (the WireGuard suite covers wireguard-go's own).
    await host.exec(['ip', 'tuntap', 'add', 'dev', IFACE, 'mode', 'tun']);
    agent = await NetnsAgent.start(host);
  });
  after(async () => {
    await agent?.stop();
  });

  const plan = (peers: number[], opts: { apiServer?: string; mtu?: number; extra?: string[]; throws?: string[]; up?: boolean } = {}): HostPlan => ({
    link: { name: IFACE, addresses: [`${ADDR}/32`], mtu: opts.mtu ?? 1420, up: opts.up ?? true },
    routes: [
      ...[...peers.map((n) => `100.96.0.${n}/32`), ...(opts.extra ?? [])].map((dst) => ({ dst, dev: IFACE, src: ADDR })),
      ...(opts.throws ?? []).map((dst) => ({ type: 'throw' as const, dst, metric: 10 })),
    ],
    rules: meshRules({ fwmark: 0x574b, apiServer: opts.apiServer }),
    sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.src_valid_mark': '1' },
    snat: [],
  });
  /** A dual-stack plan: IPv6 address, routes (one throw) and the IPv6 rules as well. */
  const dualStack = (peers: number[]): HostPlan => {
    const p = plan(peers, { apiServer: '198.18.0.30' });
    return {
      ...p,
      link: { ...p.link, addresses: [...p.link.addresses, 'fd00:96::1/128'] },
      routes: [...p.routes, { dst: 'fd00:96::2/128', dev: IFACE, src: 'fd00:96::1' }, { type: 'throw', dst: 'fd00:96:ff::/48' }],
      rules: meshRules({ fwmark: 0x574b, apiServer: '198.18.0.30', ipv6: true }),
    };
  };
  /** Expected snapshot: WireKube's entries plus the kernel's default rules. */
  const expected = (p: HostPlan) =>
    [
      ...p.routes.map((r) => renderRoute({ ...r, table: MESH_TABLE, proto: WIREKUBE_PROTO })),
      ...p.rules.map((r) => renderRule({ ...r, proto: WIREKUBE_PROTO })),
      'ip rule add prio 0 lookup 255 proto 2',
      'ip rule add prio 32766 lookup main proto 2',
      'ip rule add prio 32767 lookup 253 proto 2',
      'ip -6 rule add prio 0 lookup 255 proto 2',
      'ip -6 rule add prio 32766 lookup main proto 2',
      ...renderLink({ name: IFACE, index: 0, mtu: p.link.mtu, up: p.link.up, addresses: p.link.addresses }, IFACE),
    ]
      .sort()
      .join('\n');
  const ip = (...args: string[]) => lab().host('n1').exec(['ip', ...args]).then((r) => r.stdout.trim());

  it('installs routes in table 22347, the three rules and the link state; iproute2 agrees', async () => {
    const p = plan([2, 3], { apiServer: '198.18.0.30' });
    await agent.call<HostReport>('host.set', p);
    assert.equal(await agent.call('host.snapshot', { link: IFACE }), expected(p));
    assert.equal(
      await ip('route', 'show', 'table', String(MESH_TABLE)),
      ['100.96.0.2 dev wire_kube proto 87 scope link src 100.96.0.1 linkdown', '100.96.0.3 dev wire_kube proto 87 scope link src 100.96.0.1 linkdown'].join(' \n'),
    );
    const rules = await ip('rule', 'show');
    assert.match(rules, /^100:\tfrom all fwmark 0x574b lookup main proto 87$/m);
    assert.match(rules, /^150:\tfrom all to 198\.18\.0\.30 lookup main proto 87$/m);
    assert.match(rules, /^200:\tfrom all lookup 22347 proto 87$/m);
    assert.equal(await lab().host('n1').exec(['sysctl', '-n', 'net.ipv4.ip_forward']).then((r) => r.stdout.trim()), '1');
  });

  it('is idempotent, re-adds what someone deleted, and set/cleanup leave foreign entries alone', async () => {
    const p = plan([2, 3]);
    await agent.call('host.set', p);
    const again = await agent.call<HostReport>('host.set', p);
    assert.deepEqual(Object.values(again).flatMap((r) => [...r.added, ...r.removed, ...r.failed]), []);
    await ip('route', 'del', '100.96.0.2/32', 'table', String(MESH_TABLE));
    await ip('rule', 'del', 'prio', '200');
    await ip('route', 'add', '10.77.0.0/16', 'dev', IFACE, 'table', String(MESH_TABLE), 'proto', 'static');
    await ip('rule', 'add', 'prio', '300', 'to', '10.88.0.0/16', 'lookup', 'main');
    try {
      const report = await agent.call<HostReport>('host.set', p);
      assert.deepEqual(report.routes.added, ['100.96.0.2/32 dev wire_kube src 100.96.0.1']);
      assert.deepEqual(report.rules.added, ['prio 200 lookup 22347']);
      const snap = await agent.call<string>('host.snapshot', { link: IFACE });
      assert.match(snap, /ip route add 10\.77\.0\.0\/16 dev wire_kube table 22347 proto 4/);
      assert.match(snap, /ip rule add prio 300 to 10\.88\.0\.0\/16 lookup main proto 0/);
      await agent.call('host.cleanup', {});
      const left = await agent.call<string>('host.snapshot', { link: IFACE });
      assert.match(left, /10\.77\.0\.0\/16.*proto 4/);
      assert.match(left, /prio 300 .*proto 0/);
    } finally {
      await ip('route', 'del', '10.77.0.0/16', 'table', String(MESH_TABLE));
      await ip('rule', 'del', 'prio', '300');
    }
  });

  it('reaches every plan from every other in random order (seeded), snapshot equal each time', async () => {
    const plans = [
      plan([]),
      plan([2, 3, 4]),
      plan([3], { apiServer: '198.18.0.30', mtu: 1380 }),
      plan([2, 5], { extra: ['10.20.0.0/16', '192.168.7.0/24'], throws: ['10.20.5.0/24'] }),
      plan([2], { throws: ['10.20.5.0/24', '172.16.0.0/12'] }),
      dualStack([3]),
      // A down link carries no routes: IPv4 refuses them (ENETDOWN) and flushes them on down.
      { ...plan([], { up: false }), link: { name: IFACE, addresses: [`${ADDR}/32`, '100.96.1.1/24'], mtu: 1420, up: false } },
    ];
    const rng = seededRng(0x574b);
    for (let i = 0; i < 12; i++) {
      const p = plans[rng.int(0, plans.length)];
      await agent.call('host.set', p);
      assert.equal(await agent.call('host.snapshot', { link: IFACE }), expected(p), `step ${i}`);
    }
  });

  it('dual stack: IPv6 address, routes and rules next to IPv4; iproute2 agrees', async () => {
    const p = dualStack([2]);
    await agent.call('host.set', p);
    assert.equal(await agent.call('host.snapshot', { link: IFACE }), expected(p));
    const routes6 = await ip('-6', 'route', 'show', 'table', String(MESH_TABLE));
    assert.match(routes6, /^fd00:96::2 dev wire_kube proto 87 src fd00:96::1 metric 1024 /m);
    assert.match(routes6, /^throw fd00:96:ff::\/48 dev lo proto 87 metric 1024 /m); // IPv6 reports throw routes on lo
    const rules6 = await ip('-6', 'rule', 'show');
    assert.match(rules6, /^100:\tfrom all fwmark 0x574b lookup main proto 87$/m);
    assert.match(rules6, /^200:\tfrom all lookup 22347 proto 87$/m);
    assert.deepEqual(Object.values(await agent.call<HostReport>('host.set', p)).flatMap((r) => [...r.added, ...r.removed, ...r.failed]), []);
  });

  it('re-adds routes after the interface is re-created with a new index (as after a wireguard-go restart)', async () => {
    const p = plan([2, 3], { throws: ['10.20.5.0/24'] });
    await agent.call('host.set', p);
    await lab().host('n1').sh(`ip link del ${IFACE} && ip tuntap add dev ${IFACE} mode tun`);
    const report = await agent.call<HostReport>('host.set', p);
    assert.deepEqual(report.routes.failed, []);
    assert.equal(await agent.call('host.snapshot', { link: IFACE }), expected(p));
    assert.match(await ip('route', 'show', 'table', String(MESH_TABLE)), /^throw 10\.20\.5\.0\/24 proto 87 metric 10 $/m);
  });

  it('SNAT: tagged rules in their own chain; a foreign MASQUERADE survives set and cleanup', async () => {
    const host = lab().host('n1');
    await host.exec(['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.0/16', '-j', 'MASQUERADE']);
    await agent.call('host.set', { ...plan([2]), snat: [{ source: '100.96.0.0/16', destination: '10.0.0.0/16', outInterface: 'eth0' }, { source: '100.96.0.0/16', toSource: '198.18.1.10' }] });
    await agent.call('host.set', { ...plan([2]), snat: [{ source: '100.96.0.0/16', toSource: '198.18.1.10' }] });
    const nat = (await host.exec(['iptables', '-t', 'nat', '-S'])).stdout;
    assert.match(nat, new RegExp(`-A POSTROUTING -m comment --comment "wirekube:jump" -j ${SNAT_CHAIN}`));
    assert.match(nat, /-A WIREKUBE-POSTROUTING -s 100\.96\.0\.0\/16 -m comment --comment "wirekube:[0-9a-f]{12}" -j SNAT --to-source 198\.18\.1\.10/);
    assert.doesNotMatch(nat, /MASQUERADE.*wirekube|wirekube.*MASQUERADE/);
    await agent.call('host.cleanup', {});
    const after = (await host.exec(['iptables', '-t', 'nat', '-S'])).stdout;
    assert.doesNotMatch(after, /wirekube|WIREKUBE/i);
    assert.match(after, /-A POSTROUTING -s 10\.244\.0\.0\/16 -j MASQUERADE/);
  });

  it('cleanup removes routes, rules and the link, and restores sysctls', async () => {
    const host = lab().host('n1');
    await host.exec(['sysctl', '-w', 'net.ipv4.ip_forward=0']);
    await agent.call('host.set', plan([2, 3], { apiServer: '198.18.0.30' }));
    await agent.call('host.cleanup', { link: IFACE });
    assert.equal(await ip('route', 'show', 'table', String(MESH_TABLE)).catch(() => ''), '');
    assert.doesNotMatch(await ip('rule', 'show'), /proto 87/);
    assert.equal((await host.exec(['ip', 'link', 'show', IFACE], { allowFail: true })).code, 1);
    assert.equal((await host.exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0');
  });
});
