import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:net';
import { parseProbeTarget, networkProbe } from './probe';

describe('health probes', () => {
  it('parses targets into TCP or ICMP probes and rejects the rest precisely', () => {
    assert.deepEqual(parseProbeTarget('10.0.0.1:10250'), { kind: 'tcp', host: '10.0.0.1', port: 10250 });
    assert.deepEqual(parseProbeTarget('[fd00::1]:443'), { kind: 'tcp', host: 'fd00::1', port: 443 });
    assert.deepEqual(parseProbeTarget('10.0.0.1'), { kind: 'icmp', host: '10.0.0.1' });
    assert.match((parseProbeTarget('10.0.0.1:0') as { error: string }).error, /bad port/);
    assert.match((parseProbeTarget('not a target') as { error: string }).error, /neither host:port/);
  });

  describe('over loopback', () => {
    let server: Server;
    let port: number;
    before(async () => {
      server = createServer((s) => s.destroy());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('TCP succeeds against a listener and fails with the reason against a closed port', async () => {
      const ok = await networkProbe(`127.0.0.1:${port}`, 1000);
      assert.equal(ok.ok, true, ok.detail);
      const closed = await new Promise<number>((r) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => r(p));
        });
      });
      const bad = await networkProbe(`127.0.0.1:${closed}`, 1000);
      assert.equal(bad.ok, false);
      assert.match(bad.detail, /ECONNREFUSED/);
    });

    it('ICMP echo to loopback succeeds through the ping binary', async () => {
      const r = await networkProbe('127.0.0.1', 1000);
      assert.equal(r.ok, true, r.detail);
      assert.match(r.detail, /^icmp 127\.0\.0\.1: 1 received$/);
    });

    it('an unparsable target fails every probe instead of throwing', async () => {
      const r = await networkProbe('::bogus::', 100);
      assert.equal(r.ok, false);
      assert.match(r.detail, /neither/);
    });
  });
});
