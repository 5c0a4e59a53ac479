import { spawn as nodeSpawn } from 'node:child_process';
import { connect } from 'node:net';
import type { BackoffOptions, Clock, Logger, Rng } from '@wirekube/util';
import { randomInt } from 'node:crypto';
import { backoffDelay, seededRng, nullLogger, systemClock, WireKubeError } from '@wirekube/util';
import { BackendUnavailableError } from '../backend';
import { uapiSocketPath } from '../uapi/uapi-backend';

/** The part of a child process the supervisor uses (a port, so tests can fake it). */
export interface ChildLike {
  readonly pid?: number;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
}

/** Starts `argv[0]` with `argv.slice(1)` and the given environment. */
export type SpawnFn = (argv: string[], env: NodeJS.ProcessEnv) => ChildLike;

/** Options for {@link WireguardGoSupervisor}. */
export interface WireguardGoOptions {
  iface: string;
  /** Default `wireguard-go`. */
  binary?: string;
  /** Extra environment, e.g. `{ LOG_LEVEL: 'verbose' }` (wireguard-go: verbose, error, silent). */
  env?: Record<string, string>;
  /** Wraps the argv, e.g. to run inside a network namespace (must keep the PID, as `ip netns exec` does). */
  wrap?: (argv: string[]) => string[];
  /** Where the UAPI socket appears (as seen by this process); default /var/run/wireguard. */
  socketDir?: string;
  clock?: Clock;
  rng?: Rng;
  logger?: Logger;
  spawn?: SpawnFn;
  /** Whether the UAPI socket accepts connections; default tries to connect. */
  socketReady?: (path: string) => Promise<boolean>;
  /** How long a start may take before it counts as failed; default 5000 ms. */
  startTimeoutMs?: number;
  /** Restart backoff; default 200 ms doubling to 10 s. */
  restartBackoff?: BackoffOptions;
  /** SIGTERM → SIGKILL grace on stop; default 3000 ms. */
  stopGraceMs?: number;
  /** Called after every successful restart (the device is empty again: reconcile now). */
  onRestart?: () => void;
}

const POLL_MS = 25;

/**
 * Runs wireguard-go for one interface in the foreground (`WG_PROCESS_FOREGROUND=1`), so this
 * process owns its PID, and restarts it with backoff whenever it exits unexpectedly. wireguard-go
 * starts with an empty configuration, so `onRestart` tells the owner to re-apply its desired state.
 */
export class WireguardGoSupervisor {
  private readonly o: Required<Omit<WireguardGoOptions, 'wrap' | 'onRestart' | 'socketDir' | 'env'>> & Pick<WireguardGoOptions, 'wrap' | 'onRestart' | 'env'>;
  private readonly socketPath: string;
  private child?: ChildLike;
  private stopping = false;
  private restartTimer?: ReturnType<Clock['setTimeout']>;
  private attempt = 0;
  private restartCount = 0;

  constructor(opts: WireguardGoOptions) {
    this.o = {
      binary: 'wireguard-go',
      clock: systemClock,
      rng: jitterRng(),
      logger: nullLogger,
      spawn: defaultSpawn,
      socketReady,
      startTimeoutMs: 5000,
      restartBackoff: { initialMs: 200, maxMs: 10_000 },
      stopGraceMs: 3000,
      ...opts,
    };
    this.o.logger = this.o.logger.child({ component: 'wireguard-go', iface: opts.iface });
    this.socketPath = uapiSocketPath(opts.iface, opts.socketDir);
  }

  /** PID of the running wireguard-go, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many times the process was restarted after an unexpected exit. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The UAPI socket path this instance serves. */
  get uapiSocket(): string {
    return this.socketPath;
  }

  /**
   * Starts wireguard-go and resolves once its UAPI socket accepts connections. Throws
   * {@link BackendUnavailableError} when the binary cannot be run at all, and
   * {@link WireGuardGoStartError} when it runs but exits or times out before serving.
   */
  async start(): Promise<void> {
    this.stopping = false;
    const argv = [this.o.binary, this.o.iface];
    const child = this.o.spawn(this.o.wrap ? this.o.wrap(argv) : argv, { ...process.env, ...this.o.env, WG_PROCESS_FOREGROUND: '1' });
    this.child = child;
    let ready = false;
    let exited: string | undefined;
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      if (this.child === child) this.child = undefined;
      if (!this.stopping && ready) this.scheduleRestart(exited);
    });
    const deadline = this.o.clock.monotonic() + this.o.startTimeoutMs;
    while (!ready) {
      if (spawnError) {
        const code = (spawnError as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES') throw new BackendUnavailableError('wireguard-go', `cannot run ${this.o.binary}: ${code}`, { cause: spawnError });
        throw new WireGuardGoStartError(`cannot start ${this.o.binary}: ${spawnError.message}`, { cause: spawnError });
      }
      if (exited) throw new WireGuardGoStartError(`${this.o.binary} ${exited} before serving ${this.socketPath}`);
      if (this.o.clock.monotonic() > deadline) {
        child.kill('SIGKILL');
        throw new WireGuardGoStartError(`${this.o.binary} did not serve ${this.socketPath} within ${this.o.startTimeoutMs} ms`);
      }
      ready = await this.o.socketReady(this.socketPath);
      if (!ready) await this.o.clock.sleep(POLL_MS);
    }
    this.attempt = 0;
    this.o.logger.info('wireguard-go running', { pid: child.pid });
  }

  /** Stops wireguard-go (SIGTERM, then SIGKILL after the grace period) and any pending restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) this.o.clock.clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const kill = this.o.clock.setTimeout(() => child.kill('SIGKILL'), this.o.stopGraceMs);
      child.once('exit', () => {
        this.o.clock.clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    this.o.logger.info('wireguard-go stopped', { pid: child.pid });
  }

  private scheduleRestart(reason: string): void {
    const delay = backoffDelay(this.attempt++, this.o.restartBackoff, this.o.rng);
    this.o.logger.warn('wireguard-go died; restarting', { reason, delayMs: delay });
    this.restartTimer = this.o.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.start().then(
        () => {
          this.restartCount++;
          this.o.onRestart?.();
        },
        (err: unknown) => {
          this.o.logger.error('wireguard-go restart failed', { error: String(err) });
          if (!this.stopping) this.scheduleRestart('restart failed');
        },
      );
    }, delay);
  }
}

/** wireguard-go ran but never served its UAPI socket. */
export class WireGuardGoStartError extends WireKubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('wireguard-go-start', message, options);
  }
}

function defaultSpawn(argv: string[], env: NodeJS.ProcessEnv): ChildLike {
  // Its own process group: a signal to the agent's group must not take the data plane down. Its
  // output goes straight to the agent's stdout/stderr (wireguard-go logs only errors by default),
  // never through a pipe: Go exits on SIGPIPE when fd 1 or 2 is a pipe whose reader has died, so a
  // piped daemon would die with the agent.
  return nodeSpawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
}

/** True when a unix socket at `path` accepts a connection. */
export function socketReady(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// Backoff jitter needs no secrecy; a seeded generator with a random seed is enough (and
// util's cryptoRng.next() currently throws: randomInt's range must stay below 2^48).
function jitterRng() {
  return seededRng(randomInt(2 ** 31));
}
