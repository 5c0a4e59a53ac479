import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { WireKubeError } from '@wirekube/util';

/** Options for spawning a supervised process in a lab namespace. */
export interface SpawnOptions {
  /** Label used in logs and log file names; default the program's base name. */
  name?: string;
  /** Extra environment, merged over this process's environment. */
  env?: Record<string, string>;
  /** Working directory (in the root mount namespace's view). */
  cwd?: string;
}

/** How a process incarnation ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Thrown by {@link LabProcess.waitForOutput} when the output never came. */
export class LabProcessError extends WireKubeError {
  constructor(message: string) {
    super('LAB_PROCESS', message);
  }
}

const MAX_LOG_LINES = 4000;

/**
 * A process the lab started and owns by PID. It runs in its own process group, so stopping it
 * also stops anything it forked. stdout/stderr are captured line by line (kept in memory, bounded,
 * and appended to `logFile`). `restart()` starts the same command again; the PID changes.
 */
export class LabProcess {
  private child!: ChildProcess;
  private exit!: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly lines: string[] = [];
  /** Lines dropped from the front of `lines` to bound memory; absolute index = dropped + i. */
  private dropped = 0;
  private readonly waiters = new Set<() => void>();
  private incarnation = 0;
  private stopping = false;

  /** @param argv the full command, already wrapped to enter the namespace. */
  constructor(
    readonly host: string,
    readonly name: string,
    private readonly argv: readonly string[],
    private readonly opts: SpawnOptions,
    readonly logFile: string,
  ) {
    this.start();
  }

  /** PID of the current incarnation (also its process group id). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the current incarnation exits. */
  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Resolves when the current incarnation exits (never rejects). */
  get exited(): Promise<ExitInfo> {
    return this.exit;
  }

  /** Captured output lines so far, each prefixed with `out|` or `err|` (all incarnations). */
  get output(): readonly string[] {
    return this.lines;
  }

  /** The last `n` captured lines as one string, headed by the process identity. */
  tail(n = 60): string {
    const state = this.exitInfo ? `exited code=${this.exitInfo.code} signal=${this.exitInfo.signal}` : 'running';
    return [`── ${this.host}/${this.name} pid ${this.pid} (${state}) ${this.logFile}`, ...this.lines.slice(-n)].join('\n');
  }

  /**
   * Resolves with the first match of `re` in a line the process printed (stdout or stderr, without
   * the `out|`/`err|` tag; the lab's own `lab|` lines never match), past or future. Rejects with
   * {@link LabProcessError} after `timeoutMs` or if the process exits first.
   */
  waitForOutput(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let seen = this.dropped;
      const check = () => {
        for (seen = Math.max(seen, this.dropped); seen < this.dropped + this.lines.length; seen++) {
          const line = this.lines[seen - this.dropped]!;
          const m = line.startsWith('lab|') ? null : re.exec(line.slice(4));
          if (m) return done(() => resolve(m));
        }
        if (!this.running) done(() => reject(new LabProcessError(`${this.host}/${this.name} exited before printing ${re}\n${this.tail(20)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new LabProcessError(`${this.host}/${this.name}: no ${re} within ${timeoutMs} ms\n${this.tail(20)}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends SIGTERM to the process group, then SIGKILL after `graceMs`; resolves once it exited. Idempotent. */
  async stop(graceMs = 2000): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo!;
    this.stopping = true;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
      this.stopping = false;
    }
  }

  /** Stops the current incarnation (if running) and starts the same command again. */
  async restart(graceMs = 2000): Promise<void> {
    await this.stop(graceMs);
    this.start();
  }

  /** SIGKILLs the process group synchronously; for exit paths. */
  killNow(): void {
    if (this.running) this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // Already gone: the exit handler records it.
    }
  }

  private start(): void {
    this.incarnation++;
    this.exitInfo = undefined;
    this.record('lab', `start #${this.incarnation}: ${this.argv.join(' ')}`);
    const child = spawn(this.argv[0]!, this.argv.slice(1), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.opts.env },
      cwd: this.opts.cwd,
    });
    this.child = child;
    this.exit = new Promise((resolve) => {
      const finish = (info: ExitInfo) => {
        if (this.child !== child || this.exitInfo) return;
        this.exitInfo = info;
        this.record('lab', `exit #${this.incarnation}: code=${info.code} signal=${info.signal}${this.stopping ? ' (stopped by lab)' : ''}`);
        resolve(info);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.once('error', (err) => {
        this.record('lab', `spawn error: ${err.message}`);
        finish({ code: null, signal: null });
      });
    });
    for (const [stream, tag] of [[child.stdout, 'out'], [child.stderr, 'err']] as const) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        for (const p of parts) this.record(tag, p);
      });
      stream?.on('end', () => partial && this.record(tag, partial));
    }
  }

  private record(tag: string, line: string): void {
    const text = `${tag}|${line}`;
    this.lines.push(text);
    if (this.lines.length > MAX_LOG_LINES) {
      const n = this.lines.length - MAX_LOG_LINES;
      this.lines.splice(0, n);
      this.dropped += n;
    }
    try {
      appendFileSync(this.logFile, `${new Date().toISOString()} ${text}\n`);
    } catch {
      // The run directory is gone after teardown; memory keeps the lines.
    }
    for (const w of [...this.waiters]) w();
  }
}
