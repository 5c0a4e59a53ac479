import { execFile, execFileSync } from 'node:child_process';
import { WireKubeError } from '@wirekube/util';

/** Result of a finished command: its exit code and captured output (UTF-8). */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link run}. */
export interface RunOptions {
  /** Written to the command's stdin, then stdin is closed. */
  input?: string;
  /** Extra environment, merged over this process's environment. */
  env?: Record<string, string>;
  /** Kill the command (SIGKILL) after this many milliseconds. Default 20 000. */
  timeoutMs?: number;
  /** Resolve with a non-zero exit code instead of rejecting. Default false. */
  allowFail?: boolean;
}

/** Thrown by {@link run} when a command exits non-zero (unless `allowFail`) or cannot start. */
export class LabCommandError extends WireKubeError {
  constructor(
    readonly argv: readonly string[],
    readonly result: ExecResult,
    options?: { cause?: unknown },
  ) {
    super('LAB_COMMAND_FAILED', `${argv.join(' ')} → exit ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`, options);
  }
}

/**
 * Runs `argv` (no shell) and resolves with its output. Rejects with {@link LabCommandError} on a
 * non-zero exit unless `allowFail` is set.
 */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      {
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        timeout: opts.timeoutMs ?? 20_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 << 20,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        const result = { code, stdout, stderr };
        if (code !== 0 && !opts.allowFail) reject(new LabCommandError(argv, result, { cause: err }));
        else resolve(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/**
 * Synchronous best-effort variant used on exit paths (process 'exit', signal handlers) where the
 * event loop can no longer be relied on. Never throws; returns the exit code.
 */
export function runSync(argv: readonly string[], input?: string): number {
  try {
    execFileSync(argv[0]!, argv.slice(1), { input, stdio: ['pipe', 'ignore', 'ignore'], timeout: 10_000 });
    return 0;
  } catch {
    return 1;
  }
}
