import assert from 'node:assert/strict';
import { makeRunId, ownerOf, planLab } from './plan';
import { TopologyError, validateTopology } from './topology';

describe('lab plan (pure)', function () {
  const runId = makeRunId(4242, 7);
  const plan = planLab(
    {
      sites: [
        { name: 'home', nat: 'port-restricted', nodes: ['a', 'b'], hosts: ['db'] },
        { name: 'cgn', nat: 'symmetric', carrier: 'port-restricted', nodes: ['c'] },
        { name: 'pub', nat: 'public', nodes: ['p'] },
      ],
    },
    runId,
  );

  it('names every namespace after its run, and every interface fits IFNAMSIZ', function () {
    assert.equal(runId, 'wkl-4242-7');
    assert.ok(plan.namespaces.every((n) => n.netns.startsWith(`${runId}-`)));
    assert.equal(new Set(plan.namespaces.map((n) => n.netns)).size, plan.namespaces.length);
    const ifnames = [...plan.links.flat().map((e) => e.ifname), ...plan.bridges.map((b) => b.name)];
    assert.ok(ifnames.every((n) => n.length <= 15), `${ifnames}`);
    // Interface names are unique within each namespace.
    for (const { netns } of plan.namespaces) {
      const here = plan.links.flat().filter((e) => e.netns === netns).map((e) => e.ifname);
      assert.equal(new Set(here).size, here.length, netns);
    }
  });

  it('recovers the owner pid from any name of the run, and nothing else', function () {
    assert.deepEqual(ownerOf(`${runId}-h-a`), { runId, pid: 4242 });
    assert.deepEqual(ownerOf(runId), { runId, pid: 4242 });
    assert.equal(ownerOf('wkl-12-x'), undefined);
    assert.equal(ownerOf('cni-1234'), undefined);
  });

  it('addresses: services fixed, LAN nodes .10+, hosts .100+, public nodes on the internet', function () {
    const addr = (n: string) => plan.hosts.find((h) => h.name === n)!.addrs;
    assert.deepEqual(addr('stun'), ['198.18.0.10', '198.18.0.11']);
    assert.deepEqual([addr('a'), addr('b'), addr('db'), addr('c'), addr('p')], [['10.1.0.10'], ['10.1.0.11'], ['10.1.0.100'], ['10.2.0.10'], ['198.18.3.10']]);
    assert.equal(plan.hosts.find((h) => h.name === 'db')!.kind, 'host');
    assert.deepEqual(plan.routes.filter((r) => r.netns.endsWith('-h-a')), [{ netns: `${runId}-h-a`, dest: 'default', via: '10.1.0.1' }]);
    assert.deepEqual(plan.routes.filter((r) => r.netns.endsWith('-h-p')), [], 'public nodes need no default route');
  });

  it('double NAT: home router behind a carrier on 100.64.i.0/24, carrier holds the public address', function () {
    const cgn = plan.sites.find((s) => s.name === 'cgn')!;
    assert.equal(cgn.router!.wanAddr, '100.64.2.2');
    assert.equal(cgn.router!.nat, 'symmetric');
    assert.equal(cgn.carrierRouter!.wanAddr, '198.18.2.1');
    assert.equal(cgn.carrierRouter!.nat, 'port-restricted');
    assert.equal(cgn.wanAddr, '198.18.2.1');
    assert.deepEqual(cgn.wanDevices, [{ netns: `${runId}-c-cgn`, ifname: 'wan0' }]);
    // No namespace has a default route except LAN hosts and the home router (towards the carrier).
    const withDefault = new Set(plan.routes.filter((r) => r.dest === 'default').map((r) => r.netns));
    assert.ok(!withDefault.has(cgn.carrierRouter!.netns) && !withDefault.has(plan.internetNetns));
  });

  it('subnetPerMember: one segment per member behind one router that routes between them', function () {
    const split = planLab({ sites: [{ name: 'office', nat: 'port-restricted', subnetPerMember: true, nodes: ['a', 'b'], hosts: ['db'] }] }, runId);
    const addr = (n: string) => split.hosts.find((h) => h.name === n)!.addrs;
    assert.deepEqual([addr('a'), addr('b'), addr('db')], [['10.1.0.10'], ['10.1.1.11'], ['10.1.2.100']]);
    const rtr = split.sites[0]!.router!;
    assert.deepEqual(split.addrs.filter((a) => a.netns === rtr.netns && a.ifname === 'lan0').map((a) => a.cidr), ['10.1.0.1/24', '10.1.1.1/24', '10.1.2.1/24']);
    assert.deepEqual(split.routes.filter((r) => r.netns.endsWith('-h-b')).map((r) => r.via), ['10.1.1.1']);
    assert.equal(rtr.routeLan, true);
    assert.equal(split.sites[0]!.lanCidr, '10.1.0.0/16');
    assert.equal(plan.sites[0]!.router!.routeLan, false, 'a plain site keeps one segment');
  });

  it('rejects bad specs with a message naming the problem', function () {
    const bad: [unknown, RegExp][] = [
      [{ sites: [{ name: 'A', nat: 'public', nodes: ['x'] }] }, /name "A"/],
      [{ sites: [{ name: 's', nat: 'public', nodes: ['s'] }] }, /"s" is already used/],
      [{ sites: [{ name: 's', nat: 'public', nodes: ['stun'] }] }, /"stun" is already used/],
      [{ sites: [{ name: 's', nat: 'cgnat', nodes: ['x'] }] }, /unknown nat "cgnat"/],
      [{ sites: [{ name: 's', nat: 'public', carrier: 'symmetric', nodes: ['x'] }] }, /public site cannot sit behind a carrier/],
      [{ sites: [{ name: 's', nat: 'symmetric', carrier: 'public', nodes: ['x'] }] }, /bad carrier/],
      [{ sites: [{ name: 's', nat: 'symmetric', nodes: [] }] }, /at least one node/],
      [{ sites: [], services: ['dns'] }, /unknown service "dns"/],
      [{ sites: [{ name: 's', nat: 'public', hairpin: true, nodes: ['x'] }] }, /hairpin needs a single NAT router/],
      [{ sites: [{ name: 's', nat: 'public', subnetPerMember: true, nodes: ['x'] }] }, /subnetPerMember needs a NAT router/],
      [{ sites: [{ name: 's', nat: 'public', nodes: Array.from({ length: 90 }, (_, i) => `n${i}`) }] }, /at most 89/],
    ];
    for (const [spec, re] of bad) {
      assert.throws(() => validateTopology(spec as Parameters<typeof validateTopology>[0]), (e: unknown) => e instanceof TopologyError && re.test(e.message), JSON.stringify(spec));
    }
  });
});
