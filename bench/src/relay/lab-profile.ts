import { readFileSync } from 'node:fs';
import type { LabHost } from '@wirekube/lab';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const USER_HZ = 100;

/** CPU seconds (all threads) a process has used so far in user and in kernel mode; 0 once it is gone. */
export function cpuSecondsOf(pid: number): { user: number; sys: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / USER_HZ, sys: Number(f[12]) / USER_HZ };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** Read and write syscalls a process has made (TCP reads/writes count; UDP sendmsg/recvmsg do not). */
function syscallsOf(pid: number): { r: number; w: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'latin1');
    return { r: Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0), w: Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0) };
  } catch {
    return { r: 0, w: 0 };
  }
}

/** Busy and total jiffies of the whole machine (every process, other tenants included). */
function machineJiffies(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** UDP and TCP counters of a lab host's network namespace (from /proc/net/snmp). */
export async function netCounters(host: LabHost): Promise<Record<string, number>> {
  const r = await host.exec(['cat', '/proc/net/snmp']);
  const out: Record<string, number> = {};
  const lines = r.stdout.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [proto, ...names] = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/).slice(1);
    names.forEach((n, j) => (out[`${proto}${n}`] = Number(values[j])));
  }
  return out;
}

/** What a measured interval cost: CPU cores per process, machine busy cores, counter deltas. */
export interface IntervalProfile {
  seconds: number;
  /** Average cores used by each named process over the interval, and the kernel-mode part of it. */
  cores: Record<string, number>;
  sysCores: Record<string, number>;
  /** Read and write syscalls per second of each named process (stream reads/writes, not UDP). */
  rw: Record<string, { r: number; w: number }>;
  /** Average busy cores of the whole machine (all tenants) and the number of cores. */
  machineBusy: number;
  machineCores: number;
  /** Deltas of selected /proc/net/snmp counters per host name. */
  net: Record<string, Record<string, number>>;
}

const NET_KEYS = ['Udp:RcvbufErrors', 'Udp:InErrors', 'Udp:SndbufErrors', 'Udp:InDatagrams', 'Tcp:RetransSegs'];

/** Starts profiling named processes and hosts; `stop()` returns the interval's profile. */
export async function startProfile(pids: Record<string, number>, hosts: LabHost[]): Promise<{ stop(): Promise<IntervalProfile> }> {
  const net0 = await Promise.all(hosts.map(netCounters));
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuSecondsOf(p)]));
  const io0 = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, syscallsOf(p)]));
  const m0 = machineJiffies();
  const t0 = performance.now();
  return {
    async stop() {
      const seconds = (performance.now() - t0) / 1000;
      const m1 = machineJiffies();
      const cpu1 = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuSecondsOf(p)]));
      const cores = Object.fromEntries(Object.keys(pids).map((n) => [n, (cpu1[n]!.user + cpu1[n]!.sys - cpu0[n]!.user - cpu0[n]!.sys) / seconds]));
      const sysCores = Object.fromEntries(Object.keys(pids).map((n) => [n, (cpu1[n]!.sys - cpu0[n]!.sys) / seconds]));
      const rw = Object.fromEntries(
        Object.entries(pids).map(([n, p]) => {
          const io = syscallsOf(p);
          return [n, { r: (io.r - io0[n]!.r) / seconds, w: (io.w - io0[n]!.w) / seconds }];
        }),
      );
      const net1 = await Promise.all(hosts.map(netCounters));
      const net = Object.fromEntries(
        hosts.map((h, i) => [h.name, Object.fromEntries(NET_KEYS.map((k) => [k, (net1[i]![k] ?? 0) - (net0[i]![k] ?? 0)]))]),
      );
      const machineCores = readFileSync('/proc/stat', 'latin1').split('\n').filter((l) => /^cpu\d/.test(l)).length;
      return { seconds, cores, sysCores, rw, machineBusy: ((m1.busy - m0.busy) / (m1.total - m0.total)) * machineCores, machineCores, net };
    },
  };
}

/** One line per process (cores) and per host (non-zero counter deltas) for the bench output. */
export function formatProfile(p: IntervalProfile, indent = '    '): string {
  const procs = Object.entries(p.cores)
    .map(([n, c]) => `${n} ${c.toFixed(2)} (sys ${p.sysCores[n]!.toFixed(2)})`)
    .join(', ');
  const ours = Object.values(p.cores).reduce((a, c) => a + c, 0);
  const lines = [`${indent}cores: ${procs}; machine busy ${p.machineBusy.toFixed(2)} of ${p.machineCores} (ours ${ours.toFixed(2)})`];
  const rw = Object.entries(p.rw).filter(([, v]) => v.r + v.w >= 1);
  if (rw.length) lines.push(`${indent}stream reads/writes per s: ${rw.map(([n, v]) => `${n} ${v.r.toFixed(0)}/${v.w.toFixed(0)}`).join(', ')}`);
  for (const [host, counters] of Object.entries(p.net)) {
    const nz = Object.entries(counters).filter(([, v]) => v !== 0);
    if (nz.length) lines.push(`${indent}${host}: ${nz.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  return lines.join('\n');
}
