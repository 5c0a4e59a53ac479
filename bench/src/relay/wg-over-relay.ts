import { resolve } from 'node:path';
import { Lab, startWireguard, type LabHost, type LabProcess } from '@wirekube/lab';

const ROOT = resolve(__dirname, '../../..');
const TSX_ENV = { TSX_TSCONFIG_PATH: resolve(ROOT, 'bench/tsconfig.json'), OTEL_TRACES_EXPORTER: 'none' };
const RELAY_TOOL = resolve(ROOT, 'e2e/src/suites/relay/relay-tool.ts');

/** iperf3 TCP throughput from `from` to `toIp` (an iperf3 server runs there), in Mbit/s. */
async function iperf(from: LabHost, server: LabHost, toIp: string, seconds: number): Promise<number> {
  const srv: LabProcess = server.spawn(['iperf3', '-s', '-1', '--forceflush', '-B', toIp], { name: 'iperf3-server' });
  await srv.waitForOutput(/Server listening/, 10_000);
  const r = await from.exec(['iperf3', '-c', toIp, '-t', String(seconds), '-J'], { timeoutMs: (seconds + 15) * 1000 });
  await srv.stop();
  const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second / 1e6;
}

/**
 * Two public lab nodes with wireguard-go: iperf3 through the tunnel with the peers pointing at each
 * other directly, then with each peer's endpoint on the local relay proxy (real relay service on the
 * lab relay host). Returns both rates in Mbit/s.
 */
export async function wireguardDirectVsRelay(seconds: number): Promise<{ directMbps: number; relayMbps: number }> {
  const lab = await Lab.up({ sites: [{ name: 'pa', nat: 'public', nodes: ['a'] }, { name: 'pb', nat: 'public', nodes: ['b'] }], services: ['relay'] });
  try {
    const [a, b, relayHost] = [lab.host('a'), lab.host('b'), lab.host('relay')];
    const relay = relayHost.spawn(
      [process.execPath, '--require', 'tsx/cjs', resolve(ROOT, 'apps/relay/src/main.ts'), '--data-address=0.0.0.0:3478', '--control-address=0.0.0.0:3479',
        `--key-file=${relayHost.dir}/relay.key`, '--metrics-address=', '--replica-id=bench-lab'],
      { name: 'wirekube-relay', cwd: ROOT, env: TSX_ENV },
    );
    await relay.waitForOutput(/relay serving/, 30_000);
    const [wa, wb] = await Promise.all([startWireguard(a, { address: '10.99.0.1/24' }), startWireguard(b, { address: '10.99.0.2/24' })]);
    await wa.configure([{ publicKey: wb.keys.publicKey, endpoint: `${b.addr}:${wb.listenPort}`, allowedIps: ['10.99.0.2/32'] }]);
    await wb.configure([{ publicKey: wa.keys.publicKey, endpoint: `${a.addr}:${wa.listenPort}`, allowedIps: ['10.99.0.1/32'] }]);
    await a.exec(['ping', '-c2', '-W2', '10.99.0.2']);
    const directMbps = await iperf(a, b, '10.99.0.2', seconds);

    const proxy = async (h: LabHost, priv: string, wgPort: number, peer: string) => {
      const p = h.spawn([process.execPath, '--require', 'tsx/cjs', RELAY_TOOL, 'proxy', relayHost.addr, '3479', '3478', priv, String(wgPort), peer], {
        name: 'relay-proxy',
        cwd: ROOT,
        env: TSX_ENV,
      });
      const m = await p.waitForOutput(/endpoint \S+ (\S+)/, 30_000);
      await p.waitForOutput(/present /, 30_000);
      return m[1]!;
    };
    const [epB, epA] = await Promise.all([proxy(a, wa.keys.privateKey, wa.listenPort, wb.keys.publicKey), proxy(b, wb.keys.privateKey, wb.listenPort, wa.keys.publicKey)]);
    await wa.configure([{ publicKey: wb.keys.publicKey, endpoint: epB, allowedIps: ['10.99.0.2/32'] }]);
    await wb.configure([{ publicKey: wa.keys.publicKey, endpoint: epA, allowedIps: ['10.99.0.1/32'] }]);
    await a.exec(['ping', '-c2', '-W2', '10.99.0.2']);
    const [peer] = await wa.peers();
    if (peer?.endpoint !== epB) throw new Error(`tunnel not on the relay proxy: endpoint ${peer?.endpoint}`);
    const relayMbps = await iperf(a, b, '10.99.0.2', seconds);
    return { directMbps, relayMbps };
  } finally {
    await lab.down();
  }
}
