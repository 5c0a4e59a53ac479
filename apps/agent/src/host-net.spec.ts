import { strict as assert } from 'node:assert';
import type { PlannedRoute } from '@wirekube/planner';
import { FakeHostNet } from './fake-host-net';
import { applyHost, removeHost, type HostDesired } from './host-net';
import { IpHostNet } from './ip-host-net';

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

  it('reads iproute2 JSON: /32 without prefix, throw routes, rule tables and marks', async () => {
    const out: Record<string, string> = {
      'route show': JSON.stringify([{ dst: '10.250.0.2', dev: 'wk0', prefsrc: '10.250.0.1', metric: 200 }, { type: 'throw', dst: '10.9.0.0/16', metric: 200 }]),
      'rule show': JSON.stringify([{ priority: 0, table: 'local' }, { priority: 100, fwmark: '0x574b', table: 'main' }, { priority: 150, dst: '198.18.0.30', dstlen: 32, table: 'main' }, { priority: 200, table: '22347' }]),
    };
    const calls: string[][] = [];
    const ip = new IpHostNet(async (args) => {
      calls.push(args);
      return Object.entries(out).find(([k]) => args.join(' ').includes(k))?.[1] ?? '';
    });
    assert.deepEqual(await ip.listRoutes(22347), [
      { type: 'unicast', cidr: '10.250.0.2/32', table: 22347, dev: 'wk0', src: '10.250.0.1', metric: 200 },
      { type: 'throw', cidr: '10.9.0.0/16', table: 22347, metric: 200 },
    ]);
    assert.deepEqual(await ip.listRules([100, 150, 200]), [
      { priority: 100, fwmark: 0x574b, table: 'main' },
      { priority: 150, to: '198.18.0.30/32', table: 'main' },
      { priority: 200, table: 22347 },
    ]);
    await ip.addRule({ priority: 100, fwmark: 0x574b, table: 'main' });
    await ip.addRoute({ type: 'throw', cidr: '10.9.0.0/16', table: 22347, metric: 200 });
    assert.deepEqual(calls.slice(-2), [
      ['-4', 'rule', 'add', 'priority', '100', 'fwmark', '0x574b', 'lookup', 'main'],
      ['route', 'add', 'throw', '10.9.0.0/16', 'table', '22347', 'metric', '200'],
    ]);
  });
});
