import { strict as assert } from 'node:assert';
import { MAIN_TABLE, WIREKUBE_PROTO } from '@wirekube/host';
import { FakeHost } from '@wirekube/host/testing';
import type { PlannedRoute } from '@wirekube/planner';
import { FakeHostNet } from './fake-host-net';
import { applyHost, removeHost, type HostDesired } from './host-net';
import { NetlinkHostNet } from './netlink-host-net';

/** RTPROT_BOOT: what `ip route add` / `ip rule add` install. */
const BOOT = 3;

describe('host applier', () => {
  const route = (cidr: string): PlannedRoute => ({ type: 'unicast', cidr, table: 22347, dev: 'wk0', src: '10.250.0.1', metric: 200 });
  const desired = (routes: PlannedRoute[]): HostDesired => ({
    iface: 'wk0',
    mtu: 1420,
    addresses: ['10.250.0.1/32'],
    table: 22347,
    routes,
    rulePriorities: [100, 150, 200],
    rules: [{ priority: 100, fwmark: 0x574b, table: 'main' }, { priority: 200, table: 22347 }],
  });

  it('converges, then changes only differences, and restores what someone removed', async () => {
    const host = new FakeHostNet();
    host.links.set('wk0', { up: false, mtu: 1500, addresses: ['192.0.2.1/32'] });
    host.rules.push({ priority: 150, to: '198.18.0.99/32', table: 'main' });
    const first = await applyHost(host, desired([route('10.1.0.0/24'), route('10.2.0.0/24')]));
    assert.deepEqual(first, { link: 2, addresses: 2, routes: 2, rules: 3 });
    assert.deepEqual(await applyHost(host, desired([route('10.1.0.0/24'), route('10.2.0.0/24')])), { link: 0, addresses: 0, routes: 0, rules: 0 });
    host.routes.shift();
    const healed = await applyHost(host, desired([route('10.1.0.0/24'), route('10.3.0.0/24')]));
    assert.equal(healed.routes, 3, 'restore 10.1, drop 10.2, add 10.3');
    assert.deepEqual(host.routes.map((r) => r.cidr).sort(), ['10.1.0.0/24', '10.3.0.0/24']);
    await removeHost(host, { iface: 'wk0', table: 22347, rulePriorities: [100, 150, 200] });
    assert.equal(host.links.size, 0);
    assert.equal(host.routes.length + host.rules.length, 0);
  });

  it('over @wirekube/host ports: adopts entries an older agent installed (proto boot), marks its own with proto 87, maps main ↔ 254, IPv4 only', async () => {
    const fake = new FakeHost();
    fake.addLink('wk0', 1500);
    fake.links.get('wk0')!.up = true;
    fake.links.get('wk0')!.addresses.push('10.250.0.1/32', 'fd00::1/128');
    fake.routes.push(
      { dst: '10.250.0.2/32', dev: 'wk0', src: '10.250.0.1', metric: 200, table: 22347, proto: BOOT },
      { dst: '10.20.0.0/24', dev: 'wk0', src: '10.250.0.1', metric: 200, table: 22347, proto: BOOT },
      { dst: 'fd00::/64', dev: 'wk0', metric: 1024, table: 22347, proto: BOOT },
    );
    fake.rules.push({ family: 4, priority: 100, fwmark: 0x574b, table: MAIN_TABLE, proto: BOOT }, { family: 4, priority: 300, table: 99, proto: BOOT });
    const host = new NetlinkHostNet(fake);
    assert.deepEqual((await host.link('wk0'))?.addresses, ['10.250.0.1/32'], 'IPv6 addresses are not the planner\'s to manage');
    assert.deepEqual(await host.listRules([100, 150, 200]), [{ priority: 100, fwmark: 0x574b, table: 'main' }]);
    const changes = await applyHost(host, desired([route('10.250.0.2/32'), route('10.3.0.0/24'), { type: 'throw', cidr: '10.9.0.0/16', table: 22347, metric: 200 }]));
    assert.deepEqual(changes, { link: 1, addresses: 0, routes: 3, rules: 1 }, 'mtu; 10.20 removed, 10.3 and the throw added; the mesh rule added');
    const mesh = fake.routes.filter((r) => r.table === 22347 && !r.dst.includes(':'));
    assert.deepEqual(mesh.map((r) => `${r.dst} ${r.proto}`).sort(), ['10.250.0.2/32 3', '10.3.0.0/24 87', '10.9.0.0/16 87'], 'the legacy route that is still wanted is kept as it is');
    assert.ok(fake.routes.some((r) => r.dst === 'fd00::/64'), 'IPv6 routes are left alone');
    assert.deepEqual(fake.rules.filter((r) => r.priority === 200), [{ family: 4, priority: 200, table: 22347, proto: WIREKUBE_PROTO }]);
    await removeHost(host, { iface: 'wk0', table: 22347, rulePriorities: [100, 150, 200] });
    assert.deepEqual(fake.rules.map((r) => r.priority), [300], 'legacy and own rules at WireKube priorities removed, others kept');
    assert.equal(fake.links.has('wk0'), false);
  });
});
