import assert from 'node:assert/strict';
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
    sites: SITES.map((s) => ({ ...s, nodes: [`${s.name}-n`] })),
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

  it('routers drop unsolicited inbound traffic, even to a port a LAN host listens on', async function () {
    const relay = lab().host('relay');
    const targets = SITES.filter((s) => s.nat !== 'public').map((s) => ({ node: lab().host(`${s.name}-n`), wan: lab().site(s.name).wanAddr! }));
    const listens = await Promise.all(targets.map((t) => listenUdp(t.node, 40000, 10_000)));
    await Promise.all(targets.map((t) => sendUdp(relay, t.wan, 40000, 5)));
    const got = await Promise.all(listens.map((l) => l.stop()));
    assert.deepEqual(got.map((g) => g.count), targets.map(() => 0));
    // Control: the same probe does reach a public node.
    const pub = lab().host('public-n');
    const l = await listenUdp(pub, 40000, 10_000);
    await sendUdp(relay, pub.addr, 40000, 5);
    assert.equal((await l.stop()).count, 5);
  });
});
