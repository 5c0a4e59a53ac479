import assert from 'node:assert/strict';
import { startWireguard, useLab, type LabWireguard } from '../../lab';
import { startLabProxy, startLabRelay } from './relay-tool-client';

describe('lab: WireGuard between two symmetric-NAT nodes over the real relay', function () {
  this.timeout(90_000);
  const lab = useLab({
    sites: [
      { name: 'sym-a', nat: 'symmetric', nodes: ['ra'] },
      { name: 'sym-b', nat: 'symmetric', nodes: ['rb'] },
    ],
    services: ['relay'],
  });

  const ping = (node: string, to: string, args: string[]) => lab().host(node).exec(['ping', '-n', '-q', ...args, to], { allowFail: true });

  it('carries the tunnel through the relay proxies, and recovers after a relay restart', async () => {
    const relayHost = lab().host('relay');
    const relay = await startLabRelay(relayHost);
    const [wa, wb]: LabWireguard[] = await Promise.all([
      startWireguard(lab().host('ra'), { address: '10.99.0.1/24' }),
      startWireguard(lab().host('rb'), { address: '10.99.0.2/24' }),
    ]);
    const [pa, pb] = await Promise.all([
      startLabProxy(lab().host('ra'), relayHost.addr, wa.keys.privateKey, wa.listenPort, [wb.keys.publicKey]),
      startLabProxy(lab().host('rb'), relayHost.addr, wb.keys.privateKey, wb.listenPort, [wa.keys.publicKey]),
    ]);
    const epB = pa.endpoints.get(wb.keys.publicKey)!;
    const epA = pb.endpoints.get(wa.keys.publicKey)!;
    assert.match(epB, /^127\.0\.0\.1:\d+$/);
    await wa.configure([{ publicKey: wb.keys.publicKey, endpoint: epB, allowedIps: ['10.99.0.2/32'] }]);
    await wb.configure([{ publicKey: wa.keys.publicKey, endpoint: epA, allowedIps: ['10.99.0.1/32'] }]);
    await Promise.all([pa.present(wb.keys.publicKey), pb.present(wa.keys.publicKey)]);

    const r = await ping('ra', '10.99.0.2', ['-c3', '-i0.2', '-W2']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [peer] = await wa.peers();
    assert.ok(peer!.lastHandshakeSec > 0, 'handshake completed through the relay');
    assert.equal(peer!.endpoint, epB, 'WireGuard kept the proxy endpoint (no roaming to a direct path)');

    // Bulk: a 1 MB transfer's worth of pings at full size arrives intact.
    const big = await ping('rb', '10.99.0.1', ['-c20', '-i0.05', '-s1300', '-W2']);
    assert.match(big.stdout, / 0% packet loss/, big.stdout);

    // The relay restarts: both proxies reconnect with backoff and traffic flows again.
    await relay.restart();
    await relay.waitForOutput(/relay serving/, 30_000);
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) ok = (await ping('ra', '10.99.0.2', ['-c1', '-W1'])).code === 0;
    assert.ok(ok, `no traffic after the relay restart\n${pa.proc.tail(20)}`);
  });
});
