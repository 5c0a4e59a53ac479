import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  type NatObservation,
  type NatType,
  type NatVerdict,
  type Reflector,
  SEQUENTIAL_PORT_BASE,
  classifyObservation,
  listenUdp,
  observeNat,
  observeTcp,
  sendUdp,
  startReflector,
  useLab,
} from '../../lab';

const execFileAsync = promisify(execFile);

// Each site is named after the behaviour it must show; the reflector measures it from outside.
const SITES: { name: string; nat: NatType; carrier?: 'port-restricted' }[] = [
  { name: 'public', nat: 'public' },
  { name: 'prc', nat: 'port-restricted' },
  { name: 'arc', nat: 'address-restricted' },
  { name: 'fullcone', nat: 'full-cone' },
  { name: 'sym', nat: 'symmetric' },
  { name: 'seq', nat: 'symmetric-sequential' },
  { name: 'noudp', nat: 'udp-blocked' },
  { name: 'double', nat: 'port-restricted', carrier: 'port-restricted' },
];

const EI = 'endpoint-independent';
const AD = 'address-dependent';
const APD = 'address-and-port-dependent';
const EXPECTED: Record<string, Pick<NatVerdict, 'mapping' | 'filtering'>> = {
  public: { mapping: EI, filtering: EI },
  prc: { mapping: EI, filtering: APD },
  arc: { mapping: EI, filtering: AD },
  fullcone: { mapping: EI, filtering: EI },
  sym: { mapping: APD, filtering: APD },
  seq: { mapping: APD, filtering: APD },
  double: { mapping: EI, filtering: APD },
};

describe('lab: every NAT type is what its label says (measured by a reflector)', function () {
  this.timeout(20_000);
  const lab = useLab({
    sites: [
      ...SITES.map((s) => ({ ...s, nodes: s.name === 'prc' ? ['prc-n', 'prc-n2'] : [`${s.name}-n`] })),
      { name: 'vpc', nat: 'port-restricted', nodes: ['vpc-gw'], hosts: ['vpc-db'] },
      { name: 'hairpin', nat: 'port-restricted', hairpin: true, nodes: ['hp-a', 'hp-b'] },
    ],
    services: ['stun', 'relay'],
  });
  let reflector: Reflector;
  const observed = new Map<string, NatObservation>();
  // Probing takes ~0.5 s per site (mostly waiting for answers that must not come): do all at once.
  before(async function () {
    reflector = await startReflector(lab().host('stun'));
    await Promise.all(SITES.map(async (s) => observed.set(s.name, await observeNat(lab().host(`${s.name}-n`), reflector))));
  });

  for (const [site, want] of Object.entries(EXPECTED)) {
    it(`${site}: ${want.mapping} mapping, ${want.filtering} filtering`, async function () {
      const node = lab().host(`${site}-n`);
      const obs = observed.get(site)!;
      const v = classifyObservation(obs, reflector);
      assert.equal(v.udp, true, JSON.stringify(obs));
      assert.deepEqual({ mapping: v.mapping, filtering: v.filtering }, want, JSON.stringify(obs));
      // The reflector sees the outermost public address: the node itself, or the (carrier's) WAN.
      assert.equal(v.publicAddr, lab().site(site).wanAddr ?? node.addr);
      const ports = Object.values(obs.mapped).map((m) => Number(m!.split(':')[1]));
      if (want.mapping === EI) assert.equal(ports[0], obs.localPort, 'cone NATs here preserve the source port');
      if (site === 'sym') assert.equal(new Set(ports).size, 4, `a new port per destination: ${ports}`);
      if (site === 'seq') {
        assert.deepEqual(v.portDeltas, [1, 1, 1], `sequential allocation: ${ports}`);
        assert.ok(ports.every((p) => p >= SEQUENTIAL_PORT_BASE), `${ports}`);
      }
    });
  }

  it('double NAT: the home router sits on a carrier LAN, the carrier owns the public address', async function () {
    const site = lab().site('double');
    assert.equal(site.routers.length, 2);
    assert.match(site.routers[0]!.wanAddr, /^100\.64\./);
    const { stdout } = await site.exec(['ip', '-4', '-o', 'addr', 'show', 'wan0'], 'carrier');
    assert.match(stdout, new RegExp(`inet ${site.wanAddr!.replaceAll('.', '\\.')}/`));
  });

  it('udp-blocked: no UDP gets out, TCP does (through the NAT)', async function () {
    const node = lab().host('noudp-n');
    const v = classifyObservation(observed.get('noudp')!, reflector);
    assert.equal(v.udp, false);
    const tcp = await observeTcp(node, reflector);
    assert.ok(tcp?.startsWith(`${lab().site('noudp').wanAddr}:`), `tcp mapped ${tcp}`);
  });

  it('two nodes behind one NAT on the same local port get distinct public ports', async function () {
    const [o1, o2] = await Promise.all(['prc-n', 'prc-n2'].map((n) => observeNat(lab().host(n), reflector, { localPort: 45000 })));
    const mapped = [o1!, o2!].map((o) => o.mapped[`${reflector.addrs[0]}:${reflector.ports[0]}`]!);
    const wan = lab().site('prc').wanAddr!;
    assert.ok(mapped.every((m) => m.startsWith(`${wan}:`)), `${mapped}`);
    assert.notEqual(mapped[0], mapped[1]);
    assert.ok(mapped.includes(`${wan}:45000`), `one of them keeps its port: ${mapped}`);
  });

  it('hairpin: a LAN host reaches its neighbour\'s public mapping only where the site hairpins', async function () {
    const attempt = async (site: string, from: string, to: string) => {
      const wan = lab().site(site).wanAddr!;
      // `to` opens a mapping on port 46000 (probe), then listens on that port; `from` aims at it.
      const seen = await observeNat(lab().host(to), reflector, { localPort: 46000 });
      assert.equal(seen.mapped[`${reflector.addrs[0]}:${reflector.ports[0]}`], `${wan}:46000`);
      const l = await listenUdp(lab().host(to), 46000, 10_000);
      await sendUdp(lab().host(from), wan, 46000, 5);
      return l.stop();
    };
    const [on, off] = await Promise.all([attempt('hairpin', 'hp-a', 'hp-b'), attempt('prc', 'prc-n', 'prc-n2')]);
    assert.equal(on.count, 5);
    assert.ok(on.from.every((f) => f.startsWith(`${lab().site('hairpin').wanAddr}:`)), `hairpinned from ${on.from}: must look public`);
    assert.equal(off.count, 0);
  });

  it('a VPC site has non-member hosts on the same LAN as its gateway node', async function () {
    const [gw, db] = [lab().host('vpc-gw'), lab().host('vpc-db')];
    assert.deepEqual([gw.plan.kind, db.plan.kind], ['node', 'host']);
    assert.ok(!lab().nodes.includes(db));
    assert.equal((await db.exec(['ping', '-c1', '-W1', gw.addr], { allowFail: true })).code, 0, 'same LAN');
  });

  it('nothing is routed outside the lab and no lab link lives in the root namespace', async function () {
    // Route lookups only: nothing is sent. Outermost routers, public nodes and services are the
    // namespaces on the internet segment; none may have a route past it.
    const routers = lab().sites.flatMap((s) => s.routers.slice(-1).map((r) => r.netns));
    const onInternet = lab().hosts.filter((h) => !h.site || lab().site(h.site).nat === 'public').map((h) => h.netns);
    for (const ns of [...routers, ...onInternet]) {
      const lookup = await execFileAsync('ip', ['-n', ns, 'route', 'get', '192.0.2.1']).then(() => 'routed', () => 'unreachable');
      assert.equal(lookup, 'unreachable', `${ns} has a route out of the lab`);
    }
    const { stdout } = await execFileAsync('ip', ['-o', 'link']);
    assert.ok(!stdout.includes(lab().runId), 'a lab veth end sits in the root namespace');
  });

  it('routers drop unsolicited inbound traffic, even to a port a LAN host listens on', async function () {
    const natted = SITES.filter((s) => s.nat !== 'public').map((s) => ({ node: lab().host(`${s.name}-n`), addr: lab().site(s.name).wanAddr! }));
    // Control: the same datagrams do reach a public node.
    const pub = lab().host('public-n');
    const targets = [...natted, { node: pub, addr: pub.addr }];
    const listens = await Promise.all(targets.map((t) => listenUdp(t.node, 40000, 10_000)));
    await sendUdp(lab().host('relay'), targets.map((t) => t.addr), 40000, 5);
    const got = await Promise.all(listens.map((l) => l.stop()));
    assert.deepEqual(got.map((g) => g.count), [...natted.map(() => 0), 5]);
  });
});
