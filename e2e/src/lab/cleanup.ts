import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_ENV } from './host';
import { NETNS_PREFIX, ownerOf } from './plan';
import { run, runSync } from './sh';

/** Root of per-run directories (logs, per-node /run/wireguard, owner record). */
export const LAB_ROOT = '/tmp/wklab';
const NETNS_DIR = '/run/netns';

/** Something that can be torn down synchronously when the process is dying. */
export interface Teardownable {
  readonly runId: string;
  teardownSync(): void;
}

const live = new Map<string, Teardownable>();
let handlersInstalled = false;

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * True when the run `runId` has no living owner: its PID is gone, or the PID was reused by a
 * process that started at a different time than the one recorded in the run's owner file, or
 * it is this process but no live lab of ours has that id (a crashed earlier process with our PID).
 */
export function isOrphan(runId: string, pid: number): boolean {
  if (pid === process.pid) return !live.has(runId);
  const started = processStartTime(pid);
  if (started === undefined) return true;
  try {
    const owner = JSON.parse(readFileSync(join(LAB_ROOT, runId, 'owner.json'), 'utf8')) as { startTime?: string };
    return owner.startTime !== undefined && owner.startTime !== started;
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Removes what crashed lab runs left behind: kills every process still inside their namespaces,
 * deletes the namespaces and their run directories. Only runs whose owner is dead are touched —
 * concurrent live runs (other test processes on this machine) are left alone. Returns the run ids
 * that were cleaned.
 */
export async function sweepLeftovers(): Promise<string[]> {
  const orphanNs = new Map<string, string[]>();
  for (const ns of listDir(NETNS_DIR)) {
    const o = ns.startsWith(NETNS_PREFIX) ? ownerOf(ns) : undefined;
    if (o && isOrphan(o.runId, o.pid)) orphanNs.set(o.runId, [...(orphanNs.get(o.runId) ?? []), ns]);
  }
  const orphanDirs = listDir(LAB_ROOT).filter((d) => {
    const o = ownerOf(d);
    return o && isOrphan(o.runId, o.pid);
  });
  const allNs = [...orphanNs.values()].flat();
  const pids = await Promise.all(allNs.map(async (ns) => (await run(['ip', 'netns', 'pids', ns], { allowFail: true })).stdout.split(/\s+/).filter(Boolean)));
  await killAndWait([...pids.flat(), ...orphanTaggedProcesses()].map(Number));
  if (allNs.length > 0) await run(['ip', '-force', '-b', '-'], { input: allNs.map((ns) => `netns del ${ns}\n`).join(''), allowFail: true });
  for (const d of orphanDirs) rmSync(join(LAB_ROOT, d), { recursive: true, force: true });
  return [...new Set([...orphanNs.keys(), ...orphanDirs])].sort();
}

/** True once `pid` has exited (gone, or a zombie its parent has not reaped yet). */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Blocks (at most `timeoutMs`) until `pids` have exited; for exit paths where nothing can be awaited. */
export function waitExitedSync(pids: readonly number[], timeoutMs = 2000): void {
  const deadline = Date.now() + timeoutMs;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (pids.some((p) => !exited(p)) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 5);
}

/** SIGKILLs `pids` and resolves once all have exited (SIGKILL is not instant on a loaded box), at most `timeoutMs`. */
export async function killAndWait(pids: readonly number[], timeoutMs = 3000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some((p) => !exited(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * PIDs of processes tagged with the run id of a dead owner — supervised processes that escaped
 * their namespace's lifetime (e.g. a crash between killing and deleting).
 */
function orphanTaggedProcesses(): string[] {
  const out: string[] = [];
  const tag = `${RUN_ENV}=`;
  for (const pid of listDir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    const at = env.indexOf(tag);
    if (at < 0) continue;
    const end = env.indexOf('\0', at);
    const o = ownerOf(env.slice(at + tag.length, end < 0 ? undefined : end));
    if (o && isOrphan(o.runId, o.pid)) out.push(pid);
  }
  return out;
}

/** Deletes namespaces synchronously (exit paths). */
export function deleteNamespacesSync(names: readonly string[]): void {
  if (names.length > 0) runSync(['ip', '-force', '-b', '-'], names.map((ns) => `netns del ${ns}\n`).join(''));
}

function teardownAllSync(): void {
  for (const lab of [...live.values()]) lab.teardownSync();
}

/**
 * Registers a live lab and, once per process, hooks every exit path: normal exit (including
 * mocha's `exit: true` and uncaught exceptions, which both end in 'exit'), SIGINT, SIGTERM and
 * SIGHUP. Handlers tear down synchronously, then let the signal take its default course.
 */
export function registerLive(lab: Teardownable): void {
  live.set(lab.runId, lab);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', teardownAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      teardownAllSync();
      // If nobody else handles the signal, re-raise it so the process dies as it would have.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/** Forgets a lab that was torn down. */
export function unregisterLive(runId: string): void {
  live.delete(runId);
}
