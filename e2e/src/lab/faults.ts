import { setTimeout as sleep } from 'node:timers/promises';
import { WireKubeError } from '@wirekube/util';
import type { LabPlan } from './plan';
import { type LabSite, routerExec } from './site';
import { run } from './sh';

/** An active fault. `clear()` undoes exactly this fault and is idempotent. */
export interface Fault {
  readonly description: string;
  clear(): Promise<void>;
}

/** Which packets a blackhole or loss fault hits. */
export type FaultProto = 'udp' | 'tcp' | 'all';

/** Options for {@link Faults.blackhole}. */
export interface BlackholeOptions {
  /** Site name or internet host name (service or public-site node) whose packets are dropped. */
  from: string;
  /** Site name or internet host name they are headed to. */
  to: string;
  /** Also drop `to` → `from`. Default false (one way). */
  bothWays?: boolean;
  /** Default 'udp' (WireGuard and punching die, TCP relay paths survive). */
  proto?: FaultProto;
}

/** Options for {@link Faults.loss}. */
export interface LossOptions {
  /** Site or internet host whose traffic suffers loss. */
  from: string;
  /** Restrict to traffic between `from` and `to`; default all of `from`'s traffic. */
  to?: string;
  /** Drop probability per packet, 1–100. */
  percent: number;
  /** Also drop in the reverse direction. Default true. */
  bothWays?: boolean;
  /** Default 'all'. */
  proto?: FaultProto;
}

/** Options for {@link Faults.rateLimit}. */
export interface RateLimitOptions {
  site: string;
  /** Rate in kbit/s, applied separately to upload and download. */
  kbit: number;
  /** Token bucket size; default rate/8 per 10 ms, at least 4 KiB. */
  burstBytes?: number;
}

const TABLE = 'bridge lab';

/**
 * Reversible network faults. Blackholes and loss are nft rules on the internet bridge (in the
 * internet namespace), matched by the sites' public /24s, so they hit the WAN path between sites
 * without touching LANs; rate limits are tc tbf qdiscs on both directions of a site's uplink;
 * reboots act on the site's routers. Everything returned is undone by its `clear()` or `clearAll()`.
 */
export class Faults {
  private readonly active = new Set<Fault>();

  constructor(
    private readonly plan: LabPlan,
    private readonly sites: ReadonlyMap<string, LabSite>,
  ) {}

  /** The skeleton the fault rules go into, loaded at bring-up. */
  static baseRuleset(): string {
    return `table ${TABLE} {\n  chain forwarding { type filter hook forward priority filter; policy accept; }\n}\n`;
  }

  /** Drops packets from `from` to `to` (and back, if `bothWays`) on the internet segment. */
  async blackhole(o: BlackholeOptions): Promise<Fault> {
    const proto = o.proto ?? 'udp';
    const rules = [this.match(o.from, o.to, proto)];
    if (o.bothWays) rules.push(this.match(o.to, o.from, proto));
    return this.addRules(`blackhole ${proto} ${o.from} ${o.bothWays ? '<->' : '->'} ${o.to}`, rules.map((m) => `${m} drop`));
  }

  /** Drops `percent`% of matching packets at random (nft `numgen random`; netem is not available here). */
  async loss(o: LossOptions): Promise<Fault> {
    if (!(o.percent >= 1 && o.percent <= 100)) throw new WireKubeError('LAB_BAD_FAULT', `loss percent must be 1..100, got ${o.percent}`);
    const proto = o.proto ?? 'all';
    const both = o.bothWays ?? true;
    const rules = o.to === undefined
      ? [`${this.side('saddr', o.from)} ${protoMatch(proto)}`, ...(both ? [`${this.side('daddr', o.from)} ${protoMatch(proto)}`] : [])]
      : [this.match(o.from, o.to, proto), ...(both ? [this.match(o.to, o.from, proto)] : [])];
    const drop = `numgen random mod 100 < ${Math.round(o.percent)} drop`;
    return this.addRules(`loss ${o.percent}% ${proto} ${o.from}${o.to ? ` <-> ${o.to}` : ''}`, rules.map((m) => `${m} ${drop}`));
  }

  /** Shapes a site's uplink to `kbit` in each direction (tc tbf). */
  async rateLimit(o: RateLimitOptions): Promise<Fault> {
    if (!(o.kbit > 0)) throw new WireKubeError('LAB_BAD_FAULT', `rate must be > 0 kbit/s, got ${o.kbit}`);
    const site = this.site(o.site).plan;
    const burst = o.burstBytes ?? Math.max(4096, Math.round((o.kbit * 1000) / 8 / 100));
    const devs = [...site.uplinks.map((ifname) => ({ netns: this.plan.internetNetns, ifname })), ...site.wanDevices];
    const tc = (d: { netns: string; ifname: string }, args: string[]) => run(['tc', '-n', d.netns, 'qdisc', ...args, 'dev', d.ifname, 'root', ...(args[0] === 'del' ? [] : ['tbf', 'rate', `${o.kbit}kbit`, 'burst', String(burst), 'latency', '100ms'])], { allowFail: args[0] === 'del' });
    await Promise.all(devs.map((d) => tc(d, ['replace'])));
    return this.track(`rate ${o.kbit}kbit ${o.site}`, async () => {
      await Promise.all(devs.map((d) => tc(d, ['del'])));
    });
  }

  /**
   * Reboots a site's routers: all NAT state (conntrack, learned mappings) is lost, rules are kept.
   * With `downMs` > 0 the routers also forward nothing for that long, as during a real reboot.
   */
  async rebootRouter(siteName: string, opts: { downMs?: number } = {}): Promise<void> {
    const site = this.site(siteName);
    const down = opts.downMs ?? 0;
    if (down > 0) {
      const block = 'table ip reboot {\n  chain f { type filter hook forward priority -10; policy drop; }\n  chain i { type filter hook input priority -10; policy drop; }\n}\n';
      await Promise.all(site.routers.map((r) => routerExec(r, ['nft', '-f', '-'], { input: block })));
      await site.flushNat();
      await sleep(down);
      await Promise.all(site.routers.map((r) => routerExec(r, ['nft', 'delete', 'table', 'ip', 'reboot'])));
    }
    await site.flushNat();
  }

  /** Clears every fault still active. */
  async clearAll(): Promise<void> {
    await Promise.all([...this.active].map((f) => f.clear()));
  }

  private site(name: string): LabSite {
    const s = this.sites.get(name);
    if (!s) throw new WireKubeError('LAB_BAD_FAULT', `no site "${name}"`);
    return s;
  }

  /** nft match for one internet endpoint: a site's public /24 or an internet host's addresses. */
  private side(dir: 'saddr' | 'daddr', name: string): string {
    const site = this.sites.get(name);
    if (site) return `ip ${dir} ${site.publicCidr}`;
    const host = this.plan.hosts.find((h) => h.name === name && (h.kind === 'service' || this.sites.get(h.site ?? '')?.nat === 'public'));
    if (!host) throw new WireKubeError('LAB_BAD_FAULT', `"${name}" is neither a site nor a host on the internet segment`);
    return `ip ${dir} { ${host.addrs.join(', ')} }`;
  }

  private match(from: string, to: string, proto: FaultProto): string {
    return `${this.side('saddr', from)} ${this.side('daddr', to)} ${protoMatch(proto)}`.trim();
  }

  private async addRules(description: string, rules: string[]): Promise<Fault> {
    const handles: string[] = [];
    const inet = this.plan.internetNetns;
    try {
      for (const r of rules) {
        const out = await run(['ip', 'netns', 'exec', inet, 'nft', '--echo', '--handle', '-f', '-'], { input: `add rule ${TABLE} forwarding ${r}\n` });
        const m = /# handle (\d+)/.exec(out.stdout);
        if (!m) throw new WireKubeError('LAB_BAD_FAULT', `nft did not report a handle for: ${r}`);
        handles.push(m[1]!);
      }
    } catch (err) {
      await this.deleteRules(handles);
      throw err;
    }
    return this.track(description, () => this.deleteRules(handles));
  }

  private async deleteRules(handles: string[]): Promise<void> {
    const script = handles.map((h) => `delete rule ${TABLE} forwarding handle ${h}`).join('\n');
    if (script) await run(['ip', 'netns', 'exec', this.plan.internetNetns, 'nft', '-f', '-'], { input: script + '\n' });
  }

  private track(description: string, undo: () => Promise<void>): Fault {
    let cleared: Promise<void> | undefined;
    const fault: Fault = {
      description,
      clear: () => {
        cleared ??= undo().finally(() => this.active.delete(fault));
        return cleared;
      },
    };
    this.active.add(fault);
    return fault;
  }
}

function protoMatch(p: FaultProto): string {
  return p === 'all' ? '' : `meta l4proto ${p}`;
}
