import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WireKubeError } from '@wirekube/util';
import { LAB_ROOT, deleteNamespacesSync, killAndWait, processStartTime, registerLive, sweepLeftovers, unregisterLive, waitExitedSync } from './cleanup';
import { Faults } from './faults';
import { type ProcessOwner, LabHost, WG_RUN_DIR } from './host';
import { routerRuleset } from './nat-rules';
import { type LabPlan, makeRunId, planLab } from './plan';
import type { LabProcess } from './process';
import { run } from './sh';
import { LabSite } from './site';
import type { TopologySpec } from './topology';

let runSeq = 0;

/**
 * A running lab: namespaces, links, NAT routers and the processes started in them. Create with
 * {@link Lab.up}; always end with {@link Lab.down} (it is also run automatically on process exit,
 * SIGINT/SIGTERM/SIGHUP and uncaught exceptions, and leftovers of crashed runs are swept at the next
 * `up`).
 */
export class Lab implements ProcessOwner {
  /** Injectable faults (blackholes, loss, rate limits, router reboots). */
  readonly faults: Faults;
  private readonly hostMap = new Map<string, LabHost>();
  private readonly siteMap = new Map<string, LabSite>();
  private readonly procs: LabProcess[] = [];
  private readonly names = new Set<string>();
  private torn = false;

  private constructor(
    readonly plan: LabPlan,
    /** Run directory: owner record and one sub-directory per host (logs, /run/wireguard). */
    readonly dir: string,
  ) {
    for (const h of plan.hosts) this.hostMap.set(h.name, new LabHost(h, join(dir, h.name), this));
    for (const s of plan.sites) this.siteMap.set(s.name, new LabSite(s));
    this.faults = new Faults(plan, this.siteMap);
  }

  /**
   * Builds the topology and resolves once every namespace, link, address, route and NAT rule is in
   * place. Sweeps leftovers of crashed runs first. Throws TopologyError for a bad spec and
   * `LAB_NOT_ROOT` when not root (nothing is created), LabCommandError if a step fails (everything
   * created so far is removed).
   */
  static async up(spec: TopologySpec): Promise<Lab> {
    const runId = makeRunId(process.pid, ++runSeq);
    const plan = planLab(spec, runId);
    if (process.getuid?.() !== 0) throw new WireKubeError('LAB_NOT_ROOT', 'the NAT lab needs root (network namespaces, nftables, mounts)');
    await sweepLeftovers();
    const dir = join(LAB_ROOT, runId);
    const lab = new Lab(plan, dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) }));
    registerLive(lab);
    try {
      await lab.build();
    } catch (err) {
      await lab.down();
      throw err;
    }
    return lab;
  }

  /** Unique id of this run (`wkl-<pid>-<seq>`); every namespace name starts with it. */
  get runId(): string {
    return this.plan.runId;
  }

  /** A node, non-member host or service host by name. Throws if there is none. */
  host(name: string): LabHost {
    const h = this.hostMap.get(name);
    if (!h) throw new WireKubeError('LAB_UNKNOWN_HOST', `no host "${name}" in lab ${this.runId}`);
    return h;
  }

  /** A site by name. Throws if there is none. */
  site(name: string): LabSite {
    const s = this.siteMap.get(name);
    if (!s) throw new WireKubeError('LAB_UNKNOWN_SITE', `no site "${name}" in lab ${this.runId}`);
    return s;
  }

  /** All hosts (services first, then sites' nodes and hosts in spec order). */
  get hosts(): LabHost[] {
    return [...this.hostMap.values()];
  }

  /** Mesh-member nodes only. */
  get nodes(): LabHost[] {
    return this.hosts.filter((h) => h.plan.kind === 'node');
  }

  get sites(): LabSite[] {
    return [...this.siteMap.values()];
  }

  /** Every process ever spawned in this lab (running or not). */
  get processes(): readonly LabProcess[] {
    return this.procs;
  }

  /** Forgets NAT state (conntrack, learned mappings) in every router; rules stay. */
  async flushNat(): Promise<void> {
    await Promise.all(this.sites.map((s) => s.flushNat()));
  }

  /**
   * Stops every process (SIGTERM, SIGKILL after `graceMs`), deletes every namespace and the run
   * directory. Idempotent; never throws (teardown must not mask the test's own failure).
   */
  async down(graceMs = 1000): Promise<void> {
    if (this.torn) return;
    this.torn = true;
    await Promise.all(this.procs.map((p) => p.stop(graceMs)));
    const ns = this.plan.namespaces.map((n) => n.netns);
    // Anything still inside (a process forked out of its group) would keep the namespace alive.
    const stray = await Promise.all(ns.map(async (n) => (await run(['ip', 'netns', 'pids', n], { allowFail: true })).stdout.split(/\s+/).filter(Boolean)));
    await killAndWait(stray.flat().map(Number));
    await run(['ip', '-force', '-b', '-'], { input: ns.map((n) => `netns del ${n}\n`).join(''), allowFail: true });
    rmSync(this.dir, { recursive: true, force: true });
    unregisterLive(this.runId);
  }

  /** Synchronous teardown for exit paths; see {@link Lab.down}. */
  teardownSync(): void {
    if (this.torn) return;
    this.torn = true;
    const running = this.procs.filter((p) => p.running);
    for (const p of running) p.killNow();
    waitExitedSync(running.map((p) => p.pid));
    deleteNamespacesSync(this.plan.namespaces.map((n) => n.netns));
    rmSync(this.dir, { recursive: true, force: true });
    unregisterLive(this.runId);
  }

  /** See {@link ProcessOwner.claimName}; names are unique per host for the lab's lifetime. */
  claimName(host: string, name: string): string {
    let candidate = name;
    for (let i = 2; this.names.has(`${host}/${candidate}`); i++) candidate = `${name}-${i}`;
    this.names.add(`${host}/${candidate}`);
    return candidate;
  }

  /** Takes ownership of a spawned process; refuses (and kills it) once the lab is down. */
  adopt(p: LabProcess): void {
    if (this.torn) {
      p.killNow();
      throw new WireKubeError('LAB_DOWN', `lab ${this.runId} is down; cannot spawn ${p.host}/${p.name}`);
    }
    this.procs.push(p);
  }

  private async build(): Promise<void> {
    const p = this.plan;
    mkdirSync(WG_RUN_DIR, { recursive: true });
    for (const h of this.hostMap.values()) mkdirSync(h.wgDir, { recursive: true });
    // One `ip` process creates every namespace and veth pair (ends created directly in place).
    const root = [
      ...p.namespaces.map((n) => `netns add ${n.netns}`),
      ...p.links.map(([a, b]) => `link add ${a.ifname} netns ${a.netns} type veth peer name ${b.ifname} netns ${b.netns}`),
    ];
    await run(['ip', '-b', '-'], { input: root.join('\n') + '\n' });
    // Then one `ip -n <ns>` batch per namespace, all in parallel.
    await Promise.all(p.namespaces.map(({ netns }) => {
      const cmds = ['link set lo up'];
      for (const b of p.bridges.filter((x) => x.netns === netns)) cmds.push(`link add ${b.name} type bridge`, `link set ${b.name} up`);
      for (const end of p.links.flat().filter((e) => e.netns === netns)) {
        if (end.bridge) cmds.push(`link set ${end.ifname} master ${end.bridge}`);
        cmds.push(`link set ${end.ifname} up`);
      }
      for (const a of p.addrs.filter((x) => x.netns === netns)) cmds.push(`addr add ${a.cidr} dev ${a.ifname}`);
      for (const r of p.routes.filter((x) => x.netns === netns)) cmds.push(`route add ${r.dest} via ${r.via}`);
      return run(['ip', '-n', netns, '-b', '-'], { input: cmds.join('\n') + '\n' });
    }));
    // Bridged frames must not take a detour through the IP hooks (br_netfilter is loaded here).
    const noBrNf = 'sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true';
    const routers = p.sites.flatMap((s) => [s.router, s.carrierRouter]).filter((r) => r !== undefined);
    await Promise.all([
      run(['ip', 'netns', 'exec', p.internetNetns, 'sh', '-ec', `${noBrNf}; nft -f -`], { input: Faults.baseRuleset() }),
      ...routers.map((r) =>
        // No ICMP redirects: a hairpinned packet leaves by the interface it came in on.
        run(['ip', 'netns', 'exec', r.netns, 'sh', '-ec', `${noBrNf}; sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.${r.lanIf}.send_redirects=0; nft -f -`], { input: routerRuleset(r) }),
      ),
    ]);
  }
}
