import assert from 'node:assert/strict';
import { type Reflector, classifyObservation, listenUdp, observeNat, sendUdp, startReflector, useLab } from '../../lab';

describe('lab: faults are real and reversible', function () {
  this.timeout(20_000);
  const lab = useLab({
    sites: [
      { name: 'pa', nat: 'public', nodes: ['fa'] },
      { name: 'pb', nat: 'public', nodes: ['fb'] },
      { name: 'home', nat: 'port-restricted', nodes: ['fh'] },
    ],
    services: ['stun', 'relay'],
  });

  /** Datagrams that arrive at `to` out of `count` sent from `from`. */
  async function delivered(from: string, to: string, count: number): Promise<number> {
    const dst = lab().host(to);
    const l = await listenUdp(dst, 41000, 10_000);
    await sendUdp(lab().host(from), dst.addr, 41000, count);
    return (await l.stop()).count;
  }

  it('blackhole one way drops UDP in that direction only, until cleared', async function () {
    const f = await lab().faults.blackhole({ from: 'pa', to: 'pb' });
    assert.deepEqual(await Promise.all([delivered('fa', 'fb', 20), delivered('fb', 'fa', 20)]), [0, 20]);
    await f.clear();
    assert.equal(await delivered('fa', 'fb', 20), 20);
  });

  it('blackhole both ways drops UDP both ways; TCP is untouched by a UDP blackhole', async function () {
    await lab().faults.blackhole({ from: 'pa', to: 'pb', bothWays: true });
    assert.deepEqual(await Promise.all([delivered('fa', 'fb', 20), delivered('fb', 'fa', 20)]), [0, 0]);
    const ping = await lab().host('fa').exec(['ping', '-c1', '-W1', lab().host('fb').addr], { allowFail: true });
    assert.equal(ping.code, 0, 'ICMP passes a UDP-only blackhole');
    await lab().faults.clearAll();
    assert.deepEqual(await Promise.all([delivered('fa', 'fb', 20), delivered('fb', 'fa', 20)]), [20, 20]);
  });

  it('random loss drops about the given share', async function () {
    const f = await lab().faults.loss({ from: 'pa', percent: 50 });
    const got = await delivered('fa', 'fb', 400);
    assert.ok(got >= 100 && got <= 300, `50% loss delivered ${got}/400`);
    await f.clear();
    assert.equal(await delivered('fa', 'fb', 50), 50);
  });

  it('rejects a bad loss percentage and an unknown endpoint', async function () {
    await assert.rejects(lab().faults.loss({ from: 'pa', percent: 0 }), /1\.\.100/);
    await assert.rejects(lab().faults.blackhole({ from: 'pa', to: 'nowhere' }), /neither a site nor a host/);
  });

  it('rate limit caps throughput both ways (tc tbf), clear restores it', async function () {
    const relay = lab().host('relay');
    const iperf = async (args: string[]) => {
      const srv = relay.spawn(['iperf3', '-s', '-1', '--forceflush', '-B', relay.addr], { name: 'iperf3' });
      await srv.waitForOutput(/Server listening/);
      const out = await lab().host('fa').exec(['iperf3', '-J', '-c', relay.addr, ...args]);
      await srv.exited;
      return (JSON.parse(out.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
    };
    const f = await lab().faults.rateLimit({ site: 'pa', kbit: 4000 });
    const up = await iperf(['-t', '1']);
    const down = await iperf(['-t', '1', '-R']);
    await f.clear();
    const free = await iperf(['-n', '20M']);
    assert.ok(up < 4000e3 * 1.5 && down < 4000e3 * 1.5, `shaped up ${up}, down ${down} bit/s`);
    assert.ok(free > up * 5, `unshaped ${free} vs shaped ${up} bit/s`);
  });

  it('router reboot loses NAT state but keeps the rules', async function () {
    const reflector: Reflector = await startReflector(lab().host('stun'));
    const site = lab().site('home');
    const node = lab().host('fh');
    const count = async () => Number((await site.exec(['sh', '-c', 'conntrack -C'])).stdout.trim());
    await observeNat(node, reflector);
    assert.ok((await count()) > 0, 'probing left conntrack entries');
    await lab().faults.rebootRouter('home');
    assert.equal(await count(), 0);
    const v = classifyObservation(await observeNat(node, reflector), reflector);
    assert.deepEqual([v.mapping, v.filtering], ['endpoint-independent', 'address-and-port-dependent']);
    await reflector.proc.stop();
  });

  it('router reboot with downMs forwards nothing while down, then works again', async function () {
    const site = lab().site('home');
    const fh = lab().host('fh');
    const relay = lab().host('relay').addr;
    const reboot = lab().faults.rebootRouter('home', { downMs: 2500 });
    // Wait until the router is really "down" (its blocking table exists), then try to get out.
    for (let i = 0; (await site.exec(['nft', 'list', 'table', 'ip', 'reboot'], 'router', { allowFail: true })).code !== 0; i++) {
      assert.ok(i < 100, 'router never went down');
    }
    assert.notEqual((await fh.exec(['ping', '-c1', '-W0.3', relay], { allowFail: true })).code, 0, 'forwarded while down');
    await reboot;
    assert.equal((await fh.exec(['ping', '-c1', '-W1', relay], { allowFail: true })).code, 0, 'not forwarding after the reboot');
  });

  it('restarts a supervised process: new PID, same command, output kept', async function () {
    const reflector = await startReflector(lab().host('stun'));
    const before = reflector.proc.pid;
    await reflector.proc.restart();
    assert.notEqual(reflector.proc.pid, before);
    assert.ok(reflector.proc.output.some((l) => l.startsWith('lab|start #2')));
    const v = classifyObservation(await observeNat(lab().host('fh'), reflector), reflector);
    assert.equal(v.udp, true);
    assert.equal(reflector.proc.output.filter((l) => l === 'out|ready').length, 2);
    await reflector.proc.stop();
  });
});
