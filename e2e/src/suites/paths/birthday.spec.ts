import assert from 'node:assert/strict';
import { useLab } from '../../lab';
import { bundleAgent, getPeers, meshIpOf, peerPathReader, startMeshNode, startMeshServices, type PeerPath } from '../agent/mesh-lab';

/**
 * The birthday attack end to end (issue 9): a port-restricted cone and a random symmetric NAT,
 * which the pair matrix relays unless the mesh enables the attack. With `birthdayAttack: enabled`
 * the agents spray (256 sockets on the symmetric side, predicted ports from a punch socket on the
 * cone side), bridge WireGuard through the winning socket, prove the path and ping over it.
 */
describe('paths: birthday attack between a port-restricted cone and a random symmetric NAT', function () {
  this.timeout(180_000);
  const lab = useLab(
    {
      sites: [
        { name: 'prc', nat: 'port-restricted', nodes: ['c1'] },
        { name: 'sym', nat: 'symmetric', nodes: ['s1'] },
      ],
    },
    { hookTimeoutMs: 60_000, flushNatBetweenTests: false },
  );

  it('goes direct through the birthday bridge on both ends and carries pings', async () => {
    const [agentBin, services] = await Promise.all([bundleAgent(), startMeshServices(lab(), { birthdayAttack: true })]);
    await Promise.all(['c1', 's1'].map((n) => startMeshNode(lab(), services, lab().host(n), agentBin)));
    const readers = { c1: peerPathReader(lab().host('c1')), s1: peerPathReader(lab().host('s1')) };
    const started = Date.now();
    try {
      let last: Record<string, PeerPath | undefined> = {};
      const direct = async () => {
        const views = await Promise.all([readers.c1.read().catch(() => []), readers.s1.read().catch(() => [])]);
        last = { c1: views[0].find((p) => p.peer === 's1'), s1: views[1].find((p) => p.peer === 'c1') };
        return Object.values(last).every((p) => p?.path === 'direct' && /^direct: handshake and traffic proven/.test(p.reason));
      };
      while (!(await direct())) {
        if (Date.now() - started > 60_000) assert.fail(`no proven direct path within 60 s: ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const tookMs = Date.now() - started;
      for (const p of Object.values(last)) {
        assert.match(p!.endpoint, /^127\.0\.0\.1:\d+$/, 'WireGuard sends to the bridge on loopback');
        assert.match(p!.reason, /birthday attack with 256 sockets/);
      }
      const ips = new Map((await getPeers(services)).map((p) => [p.metadata.name, meshIpOf(p)!]));
      const ping = await lab().host('c1').exec(['ping', '-n', '-q', '-c5', '-i0.2', '-W1', ips.get('s1')!], { allowFail: true });
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
      process.stdout.write(`      birthday pair direct (bridged) ${tookMs} ms after the agents started; c1 → s1 via ${last.c1!.endpoint}\n`);
    } finally {
      readers.c1.close();
      readers.s1.close();
    }
  });
});
