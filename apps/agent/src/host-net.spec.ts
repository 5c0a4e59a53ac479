import { strict as assert } from 'node:assert';
import { MAIN_TABLE, WIREKUBE_PROTO } from '@wirekube/host';
import { FakeHost } from '@wirekube/host/testing';
import type { PlannedRoute } from '@wirekube/planner';
import { MeshHost, type HostDesired } from './host-net';

/** RTPROT_BOOT: what `ip route add` / `ip rule add` install (agents before the host library). */
const BOOT = 3;

describe('MeshHost (the agent on @wirekube/host appliers)', () => {
  const route = (cidr: string): PlannedRoute => ({ type: 'unicast', cidr, table: 22347, dev: 'wk0', src: '10.250.0.1', metric: 200 });
  const desired = (routes: PlannedRoute[]): HostDesired => ({
    iface: 'wk0',
    mtu: 1420,
    addresses: ['10.250.0.1/32'],
    routes,
    rules: [{ priority: 100, fwmark: 0x574b, table: 'main' }, { priority: 200, table: 22347 }],
  });
  const meshHost = (fake: FakeHost) => new MeshHost(fake, { table: 22347, rulePriorities: [100, 150, 200] });
  const meshRoutes = (fake: FakeHost) => fake.routes.filter((r) => r.table === 22347).map((r) => `${r.type ?? 'unicast'} ${r.dst} ${r.proto}`).sort();

  it('converges, then changes only differences, restores what someone removed, and removes everything it owns', async () => {
    const fake = new FakeHost();
    fake.addLink('wk0', 1500);
    fake.links.get('wk0')!.addresses.push('192.0.2.1/32');
    const foreign = { family: 4 as const, priority: 300, table: MAIN_TABLE, proto: BOOT };
    fake.rules.push(foreign);
    const host = meshHost(fake);
    const first = await host.apply(desired([route('10.1.0.0/24'), route('10.2.0.0/24'), { type: 'throw', cidr: '10.9.0.0/16', table: 22347, metric: 200 }]));
    assert.deepEqual(first, { link: 4, routes: 3, rules: 2 }, 'address swap, mtu, up; three routes; two rules');
    assert.deepEqual(meshRoutes(fake), ['throw 10.9.0.0/16 87', 'unicast 10.1.0.0/24 87', 'unicast 10.2.0.0/24 87']);
    const calls = fake.calls.length;
    assert.deepEqual(await host.apply(desired([route('10.1.0.0/24'), route('10.2.0.0/24'), { type: 'throw', cidr: '10.9.0.0/16', table: 22347, metric: 200 }])), { link: 0, routes: 0, rules: 0 });
    assert.equal(fake.calls.length, calls, 'no kernel writes when nothing changed');
    fake.routes.splice(fake.routes.findIndex((r) => r.dst === '10.1.0.0/24'), 1);
    const healed = await host.apply(desired([route('10.1.0.0/24'), route('10.3.0.0/24')]));
    assert.equal(healed.routes, 4, 'restore 10.1, drop 10.2 and the throw, add 10.3');
    assert.deepEqual(meshRoutes(fake), ['unicast 10.1.0.0/24 87', 'unicast 10.3.0.0/24 87']);
    await host.remove('wk0');
    assert.equal(fake.links.size, 0);
    assert.deepEqual(meshRoutes(fake), []);
    assert.deepEqual(fake.rules, [foreign], "someone else's rule stays");
  });

  it('takes over what an agent before the host library installed with ip (proto boot), once', async () => {
    const fake = new FakeHost();
    fake.addLink('wk0', 1420);
    fake.links.get('wk0')!.up = true;
    fake.links.get('wk0')!.addresses.push('10.250.0.1/32');
    fake.routes.push({ dst: '10.1.0.0/24', dev: 'wk0', src: '10.250.0.1', metric: 200, table: 22347, proto: BOOT }, { dst: '10.2.0.0/24', dev: 'wk0', src: '10.250.0.1', metric: 200, table: 22347, proto: BOOT });
    fake.rules.push({ family: 4, priority: 200, table: 22347, proto: BOOT }, { family: 4, priority: 300, table: 99, proto: BOOT });
    const host = meshHost(fake);
    const changes = await host.apply(desired([route('10.1.0.0/24')]));
    assert.deepEqual(changes, { link: 0, routes: 3, rules: 3 }, 'two legacy routes and one legacy rule removed; one route and two rules added');
    assert.deepEqual(meshRoutes(fake), ['unicast 10.1.0.0/24 87']);
    assert.deepEqual(fake.rules.map((r) => `${r.priority} ${r.proto}`).sort(), ['100 87', '200 87', '300 3']);
    fake.routes.push({ dst: '10.7.0.0/24', dev: 'wk0', metric: 200, table: 22347, proto: BOOT });
    await host.apply(desired([route('10.1.0.0/24')]));
    assert.ok(fake.routes.some((r) => r.dst === '10.7.0.0/24'), 'after the takeover a foreign route is never touched');
  });

  it('fails the apply when the kernel refuses a change (the caller retries), and when the interface is missing', async () => {
    const fake = new FakeHost();
    fake.addLink('wk0', 1420);
    fake.routes.push({ dst: '10.1.0.0/24', dev: 'wk0', metric: 200, table: 22347, proto: WIREKUBE_PROTO });
    const host = meshHost(fake);
    await host.apply(desired([]));
    fake.routes.push({ dst: '10.5.0.0/24', dev: 'eth0', metric: 200, table: 22347, proto: BOOT });
    await assert.rejects(host.apply(desired([route('10.5.0.0/24')])), /host changes refused: .*10\.5\.0\.0\/24/);
    await assert.rejects(meshHost(new FakeHost()).apply(desired([])), /wk0/);
  });
});
