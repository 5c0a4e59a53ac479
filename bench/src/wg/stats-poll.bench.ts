// WireGuard stats read-back at mesh scale: wireguard-go with 1000 peers in a lab namespace, read
// every way WireKube could poll it, side by side. The agent polls once per second, so the budget
// is "a small fraction of a core"; the interesting figures are per-poll latency and CPU.
//   1. UapiBackend.get() on its persistent connection (what the agent uses)
//   2. a new UAPI connection per poll
//   3. `wg show <iface> dump` (fork + enter the namespace + parse nothing) — the shell-out baseline;
//      the forked processes' CPU is in neither CPU column, so that row understates its cost
//   4. parseUapiGet alone on the captured reply (the parse share of 1)
//   5. WireGuardDevice.set() with nothing to change (read + diff: the steady-state reconcile)
// wireguard-go's column includes its idle background work (keepalive timers, handshake retries to
// the unroutable endpoints), visible on its own in row 4. The machine is shared: read p50, not p99.
// Run as root from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/wg/stats-poll.bench.ts [peers] [polls]
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Lab } from '@wirekube/lab';
import type { DeviceConfig } from '@wirekube/wg';
import { generatePrivateKey, parseUapiGet, publicKeyOf, UapiBackend, WireguardGoSupervisor, WireGuardDevice } from '@wirekube/wg';

const PEERS = Number(process.argv[2] ?? 1000);
const POLLS = Number(process.argv[3] ?? 200);
const IFACE = 'wkb0';

interface Row {
  name: string;
  ms: number[];
  cpuMs: number[];
  /** wireguard-go's CPU per poll, ms (from /proc/<pid>/stat). */
  daemonCpuMs: number;
}

/** utime + stime of a process in ms (clock ticks are 100 Hz on Linux). */
function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(name: string, n: number, daemonPid: number, f: () => Promise<unknown>): Promise<Row> {
  const row: Row = { name, ms: [], cpuMs: [], daemonCpuMs: 0 };
  const d0 = procCpuMs(daemonPid);
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    row.ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    row.cpuMs.push((c.user + c.system) / 1000);
  }
  row.daemonCpuMs = (procCpuMs(daemonPid) - d0) / n;
  return row;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

function print(rows: Row[]): void {
  console.log(`\n${PEERS} peers, ${POLLS} polls each; CPU per poll of this process and of wireguard-go (10 ms ticks), share of one core at 1 Hz`);
  console.log(`${'method'.padEnd(44)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'our cpu ms'.padStart(12)}${'wg-go cpu ms'.padStart(14)}${'core @1Hz'.padStart(11)}`);
  for (const r of rows) {
    const cpu = r.cpuMs.reduce((a, b) => a + b, 0) / r.cpuMs.length;
    const share = `${(((cpu + r.daemonCpuMs) / 1000) * 100).toFixed(2)}%`;
    console.log(
      `${r.name.padEnd(44)}${pct(r.ms, 0.5).toFixed(2).padStart(9)}${pct(r.ms, 0.99).toFixed(2).padStart(9)}` +
        `${cpu.toFixed(2).padStart(12)}${r.daemonCpuMs.toFixed(2).padStart(14)}${share.padStart(11)}`,
    );
  }
}

async function main(): Promise<void> {
  const lab = await Lab.up({ sites: [{ name: 'dc', nat: 'public', nodes: ['n'] }], services: [] });
  const host = lab.host('n');
  // Silent: 1000 handshake attempts to unroutable endpoints would otherwise flood the output.
  const sup = new WireguardGoSupervisor({ iface: IFACE, wrap: (argv) => host.wrap(argv), socketDir: host.wgDir, env: { LOG_LEVEL: 'silent' } });
  const backend = new UapiBackend({ iface: IFACE, socketDir: host.wgDir });
  try {
    await sup.start();
    const device = new WireGuardDevice({ backend });
    const desired: DeviceConfig = {
      privateKey: generatePrivateKey(),
      listenPort: 51822,
      fwmark: 0x574b,
      peers: Array.from({ length: PEERS }, (_, i) => ({
        publicKey: publicKeyOf(generatePrivateKey()),
        // TEST-NET-3 is unroutable in the lab: handshake attempts fail locally, no traffic flows.
        endpoint: `203.0.113.${i & 255}:${20000 + i}`,
        allowedIps: [`100.96.${i >> 8}.${i & 255}/32`, `10.${i >> 8}.${i & 255}.0/24`],
        persistentKeepaliveSec: 25,
      })),
    };
    const t0 = performance.now();
    await device.set(desired);
    console.log(`initial set of ${PEERS} peers: ${(performance.now() - t0).toFixed(1)} ms`);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(backend.socketPath, () => s.write('get=1\n\n'));
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        if (buf.endsWith('\n\n')) {
          s.destroy();
          resolve(buf);
        }
      });
      s.on('error', reject);
    });
    console.log(`UAPI get reply: ${(reply.length / 1024).toFixed(0)} KiB`);
    const pid = sup.pid!;
    const rows = [
      await measure('UapiBackend.get() (persistent connection)', POLLS, pid, () => backend.get()),
      await measure('new UAPI connection per poll', POLLS, pid, async () => {
        const b = new UapiBackend({ iface: IFACE, socketDir: host.wgDir });
        await b.get();
        await b.close();
      }),
      await measure('`wg show dump` via exec (no parsing)', Math.min(POLLS, 50), pid, () => host.exec(['wg', 'show', IFACE, 'dump'])),
      await measure('parseUapiGet only', POLLS, pid, async () => parseUapiGet(reply)),
      await measure('WireGuardDevice.set() with no change', Math.min(POLLS, 100), pid, () => device.set(desired)),
    ];
    print(rows);
  } finally {
    await backend.close();
    await sup.stop();
    await lab.down();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
