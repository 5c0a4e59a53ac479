import { join } from 'node:path';
import type { HostPlan } from './plan';
import { type SpawnOptions, LabProcess } from './process';
import { type ExecResult, type RunOptions, run } from './sh';

/** Environment variable that tags every supervised process with its run id. */
export const RUN_ENV = 'WKLAB_RUN';

/** Where wireguard-go looks for and creates its UAPI sockets. */
export const WG_RUN_DIR = '/run/wireguard';

/**
 * Wraps `argv` to run in network namespace `netns` with `wgDir` bind-mounted on /run/wireguard in
 * a private mount namespace, so every node has its own UAPI socket directory while the lab (in the
 * root mount namespace) reaches the sockets at `wgDir`. `ip netns exec` keeps the PID (it execs).
 */
export function nodeArgv(netns: string, wgDir: string, argv: readonly string[]): string[] {
  return [
    'unshare', '--mount', '--propagation', 'private', '--',
    'sh', '-c', 'mount --bind "$0" /run/wireguard && ns="$1" && shift && exec ip netns exec "$ns" "$@"',
    wgDir, netns, ...argv,
  ];
}

/** Process registry the host reports spawned processes to (the owning lab). */
export interface ProcessOwner {
  /** Run id, given to every spawned process as `WKLAB_RUN` so a sweep can find escaped ones. */
  readonly runId: string;
  /** Returns `name`, or `name-2`, `name-3`… if this host already has a process called that. */
  claimName(host: string, name: string): string;
  adopt(p: LabProcess): void;
}

/**
 * A namespace that runs programs: a mesh node, a non-member host or a service host. Commands run
 * inside its network namespace and see its private /run/wireguard.
 */
export class LabHost {
  /** Directory (root mount namespace) bind-mounted as /run/wireguard inside the host. */
  readonly wgDir: string;

  constructor(
    readonly plan: HostPlan,
    /** Per-host directory for logs and files; exists while the lab is up. */
    readonly dir: string,
    private readonly owner: ProcessOwner,
  ) {
    this.wgDir = join(dir, 'wireguard');
  }

  /** Host name from the topology spec. */
  get name(): string {
    return this.plan.name;
  }

  /** Network namespace name (usable with `ip -n` / `ip netns exec`). */
  get netns(): string {
    return this.plan.netns;
  }

  /** Primary IPv4 address (a LAN address behind NAT, a public one on public sites and services). */
  get addr(): string {
    return this.plan.addrs[0]!;
  }

  /** All addresses (the STUN host has two). */
  get addrs(): readonly string[] {
    return this.plan.addrs;
  }

  /** Site name, or undefined for service hosts. */
  get site(): string | undefined {
    return this.plan.site;
  }

  /** Path of wireguard-go's UAPI socket for interface `iface`, reachable from the test process. */
  wgSocket(iface: string): string {
    return join(this.wgDir, `${iface}.sock`);
  }

  /** The argv that runs `argv` inside this host (for callers that spawn on their own). */
  wrap(argv: readonly string[]): string[] {
    return nodeArgv(this.netns, this.wgDir, argv);
  }

  /** Runs a command inside the host and resolves with its output; rejects on non-zero unless `allowFail`. */
  exec(argv: readonly string[], opts?: RunOptions): Promise<ExecResult> {
    return run(this.wrap(argv), opts);
  }

  /** Runs a shell script (`sh -ec`) inside the host. */
  sh(script: string, opts?: RunOptions): Promise<ExecResult> {
    return this.exec(['sh', '-ec', script], opts);
  }

  /** Starts a supervised process inside the host; the lab stops it on teardown. */
  spawn(argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
    const name = this.owner.claimName(this.name, opts.name ?? argv[0]!.split('/').pop()!);
    const env = { ...opts.env, [RUN_ENV]: this.owner.runId };
    const p = new LabProcess(this.name, name, this.wrap(argv), { ...opts, env }, join(this.dir, `${name}.log`));
    this.owner.adopt(p);
    return p;
  }
}
