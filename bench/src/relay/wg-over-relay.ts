import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Lab, startWireguard, type LabHost, type LabProcess, type LabWireguard } from '@wirekube/lab';
import { formatProfile, startProfile, type IntervalProfile } from './lab-profile';
import { bundleRelay } from './relay-process';

const ROOT = resolve(__dirname, '../../..');
const ENV = { OTEL_TRACES_EXPORTER: 'none' };
const RELAY_TOOL_BUNDLE = resolve(ROOT, 'bench/dist/relay-tool.js');

/**
 * Bundles the lab proxy tool with tools/bundle.mjs, as the apps are bundled (libs inlined, packages
 * external), so the proxies run the code the agent ships: through tsx, esbuild's keepNames wraps
 * every closure in a defineProperty call, which showed up per datagram in profiles.
 */
function bundleRelayTool(): void {
  execFileSync(process.execPath, [resolve(ROOT, 'tools/bundle.mjs'), 'e2e/src/suites/relay/relay-tool.ts', RELAY_TOOL_BUNDLE], { cwd: ROOT, stdio: 'inherit' });
}

/** One iperf3 run through the tunnel. */
export interface IperfRun {
  mode: 'direct' | 'relay';
  mbps: number;
  /** TCP retransmissions of the tunnelled iperf3 stream (sender side). */
  retransmits: number;
  profile: IntervalProfile;
}

/** What {@link wireguardDirectVsRelay} measures: alternating direct and relayed runs, same lab. */
export interface WgComparison {
  runs: IperfRun[];
  iperfArgs: string[];
}

/**
 * Two public lab nodes with wireguard-go, the real relay service on the lab relay host and the
 * agent-side proxy in each node, all started before the first measurement so both setups have the
 * same processes alive. Then `rounds` times: iperf3 through the tunnel with the peers pointing at
 * each other directly, then at their relay proxies (only the WireGuard endpoints change). Every run
 * records per-process CPU, machine load and UDP/TCP counters of each namespace.
 */
export async function wireguardDirectVsRelay(seconds: number, opts: { rounds?: number; iperfArgs?: string[]; nodeFlags?: string[]} = {}): Promise<WgComparison> {
  const node = [process.execPath, ...(opts.nodeFlags ?? [])];
  bundleRelay();
  bundleRelayTool();
  const rounds = opts.rounds ?? 2;
  const iperfArgs = opts.iperfArgs ?? [];
  const lab = await Lab.up({ sites: [{ name: 'pa', nat: 'public', nodes: ['a'] }, { name: 'pb', nat: 'public', nodes: ['b'] }], services: ['relay'] });
  try {
    const [a, b, relayHost] = [lab.host('a'), lab.host('b'), lab.host('relay')];
    const relay = relayHost.spawn(
      [...node, resolve(ROOT, 'apps/relay/dist/main.js'), '--data-address=0.0.0.0:3478', '--control-address=0.0.0.0:3479',
        `--key-file=${relayHost.dir}/relay.key`, '--metrics-address=', '--replica-id=bench-lab'],
      { name: 'wirekube-relay', cwd: ROOT, env: ENV },
    );
    await relay.waitForOutput(/relay serving/, 30_000);
    const [wa, wb] = await Promise.all([startWireguard(a, { address: '10.99.0.1/24' }), startWireguard(b, { address: '10.99.0.2/24' })]);
    // Each proxy's endpoint is where its own node's WireGuard sends the other node's datagrams.
    const proxy = async (h: LabHost, w: LabWireguard, peer: string) => {
      const p = h.spawn([...node, RELAY_TOOL_BUNDLE, 'proxy', relayHost.addr, '3479', '3478', w.keys.privateKey, String(w.listenPort), peer], {
        name: 'relay-proxy',
        cwd: ROOT,
        env: ENV,
      });
      const m = await p.waitForOutput(/endpoint \S+ (\S+)/, 30_000);
      await p.waitForOutput(/present /, 30_000);
      return { proc: p, endpoint: m[1]! };
    };
    const [pa, pb] = await Promise.all([proxy(a, wa, wb.keys.publicKey), proxy(b, wb, wa.keys.publicKey)]);
    const server = b.spawn(['iperf3', '-s', '--forceflush', '-B', '10.99.0.2'], { name: 'iperf3-server' });
    await server.waitForOutput(/Server listening/, 10_000);
    const pids = { 'wg-a': wa.proc.pid, 'wg-b': wb.proc.pid, 'proxy-a': pa.proc.pid, 'proxy-b': pb.proc.pid, relay: relay.pid, 'iperf-srv': server.pid };

    const endpoints = async (mode: IperfRun['mode']) => {
      await wa.configure([{ publicKey: wb.keys.publicKey, endpoint: mode === 'direct' ? `${b.addr}:${wb.listenPort}` : pa.endpoint, allowedIps: ['10.99.0.2/32'] }]);
      await wb.configure([{ publicKey: wa.keys.publicKey, endpoint: mode === 'direct' ? `${a.addr}:${wa.listenPort}` : pb.endpoint, allowedIps: ['10.99.0.1/32'] }]);
      await a.exec(['ping', '-c2', '-W2', '10.99.0.2']);
      const [peer] = await wa.peers();
      const want = mode === 'direct' ? `${b.addr}:${wb.listenPort}` : pa.endpoint;
      if (peer?.endpoint !== want) throw new Error(`tunnel endpoint ${peer?.endpoint}, expected ${want} (${mode})`);
    };

    const runs: IperfRun[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['direct', 'relay'] as const) {
        await endpoints(mode);
        runs.push({ mode, ...(await iperf(a, [a, b, relayHost], pids, seconds, iperfArgs)) });
      }
    }
    await server.stop();
    // Stopped gracefully so that node flags like --cpu-prof can write their output.
    await Promise.all([pa.proc.stop(), pb.proc.stop(), relay.stop()]);
    return { runs, iperfArgs };
  } finally {
    await lab.down();
  }
}

/** iperf3 from `client` to the server on 10.99.0.2 with a profile of the run. */
async function iperf(client: LabHost, hosts: LabHost[], pids: Record<string, number>, seconds: number, args: string[]): Promise<Omit<IperfRun, 'mode'>> {
  const c: LabProcess = client.spawn(['iperf3', '-c', '10.99.0.2', '-t', String(seconds), '-J', ...args], { name: 'iperf3-client' });
  // Profile from 1 s in (slow start, handshakes) to 0.5 s before the end, while every process lives;
  // iperf3's own average covers the whole run.
  await new Promise((r) => setTimeout(r, 1000));
  const prof = await startProfile({ ...pids, 'iperf-cli': c.pid }, hosts);
  await new Promise((r) => setTimeout(r, (seconds - 1.5) * 1000));
  const profile = await prof.stop();
  const exit = await c.exited;
  if (exit.code !== 0) throw new Error(`iperf3 failed (${exit.code}):\n${c.tail(20)}`);
  const j = JSON.parse(c.output.filter((l) => l.startsWith('out|')).map((l) => l.slice(4)).join('\n')) as {
    end: { sum_received?: { bits_per_second: number }; sum_sent?: { retransmits?: number }; sum?: { bits_per_second: number; lost_percent?: number } };
  };
  const recv = j.end.sum_received?.bits_per_second ?? j.end.sum?.bits_per_second ?? 0;
  return { mbps: recv / 1e6, retransmits: j.end.sum_sent?.retransmits ?? 0, profile };
}

/** Bench output for a comparison: each round direct vs relay side by side, then the profiles. */
export function formatComparison(c: WgComparison, seconds: number): string {
  const out = [`wireguard-go + iperf3 (${c.iperfArgs.join(' ') || 'TCP'}, ${seconds}s) between two lab nodes, same lab, same run, alternating`];
  for (let i = 0; i + 1 < c.runs.length; i += 2) {
    const [d, r] = [c.runs[i]!, c.runs[i + 1]!];
    out.push(
      `  round ${i / 2 + 1}: direct ${(d.mbps / 1000).toFixed(3)} Gbit/s (retr ${d.retransmits})   via relay ${(r.mbps / 1000).toFixed(3)} Gbit/s (retr ${r.retransmits})   ratio ${(r.mbps / d.mbps).toFixed(2)}`,
    );
  }
  const sum = (m: IperfRun['mode']) => c.runs.filter((r) => r.mode === m).reduce((a, r) => a + r.mbps, 0);
  out.push(`  overall ratio ${(sum('relay') / sum('direct')).toFixed(2)}   target ≥ 0.75`);
  for (const r of c.runs) out.push(`  ${r.mode}:`, formatProfile(r.profile));
  return out.join('\n');
}
