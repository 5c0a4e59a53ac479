import { execFile } from 'node:child_process';
import type { PlannedRoute, PlannedRule } from '@wirekube/planner';
import type { HostNet, LinkInfo } from './host-net';

/** Runs one `ip` invocation and resolves its stdout; rejects with iproute2's own message. */
export type IpRunner = (args: string[]) => Promise<string>;

/** Runs the real `ip` binary (iproute2) in this process's network namespace. */
export const runIp: IpRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });

interface IpAddrJson {
  mtu: number;
  flags?: string[];
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}
interface IpRouteJson {
  type?: string;
  dst: string;
  dev?: string;
  prefsrc?: string;
  metric?: number;
}
interface IpRuleJson {
  priority: number;
  table?: string;
  fwmark?: string;
  dst?: string;
  dstlen?: number;
}

/**
 * {@link HostNet} over iproute2's JSON output. Chosen over netlink for now because `@wirekube/host`
 * (the netlink appliers) had not landed; every call is one short-lived `ip` process, which is fine
 * for a level-triggered applier that runs on changes only.
 */
export class IpHostNet implements HostNet {
  constructor(private readonly ip: IpRunner = runIp) {}

  async link(name: string): Promise<LinkInfo | undefined> {
    let out: string;
    try {
      out = await this.ip(['-j', 'addr', 'show', 'dev', name]);
    } catch (err) {
      if (/does not exist|Cannot find device/.test(String(err))) return undefined;
      throw err;
    }
    const [l] = JSON.parse(out) as IpAddrJson[];
    if (!l) return undefined;
    return {
      up: (l.flags ?? []).includes('UP'),
      mtu: l.mtu,
      addresses: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
    };
  }

  async setLink(name: string, change: { up?: boolean; mtu?: number }): Promise<void> {
    const args = ['link', 'set', 'dev', name];
    if (change.mtu !== undefined) args.push('mtu', String(change.mtu));
    if (change.up !== undefined) args.push(change.up ? 'up' : 'down');
    await this.ip(args);
  }

  async addAddress(name: string, cidr: string): Promise<void> {
    await this.ip(['addr', 'add', cidr, 'dev', name]);
  }

  async delAddress(name: string, cidr: string): Promise<void> {
    await this.ip(['addr', 'del', cidr, 'dev', name]);
  }

  async deleteLink(name: string): Promise<void> {
    await this.ip(['link', 'del', 'dev', name]);
  }

  async listRoutes(table: number): Promise<PlannedRoute[]> {
    let out: string;
    try {
      out = await this.ip(['-j', '-4', 'route', 'show', 'table', String(table)]);
    } catch (err) {
      // An empty table does not exist yet for some iproute2 versions.
      if (/FIB table does not exist|table id value is invalid/.test(String(err))) return [];
      throw err;
    }
    return (JSON.parse(out || '[]') as IpRouteJson[]).map((r) => ({
      type: r.type === 'throw' ? 'throw' : 'unicast',
      cidr: r.dst.includes('/') ? r.dst : `${r.dst}/32`,
      table,
      ...(r.type !== 'throw' && r.dev !== undefined && { dev: r.dev }),
      ...(r.prefsrc !== undefined && { src: r.prefsrc }),
      metric: r.metric ?? 0,
    }));
  }

  async addRoute(r: PlannedRoute): Promise<void> {
    await this.ip(['route', 'add', ...routeArgs(r)]);
  }

  async delRoute(r: PlannedRoute): Promise<void> {
    await this.ip(['route', 'del', ...routeArgs(r)]);
  }

  async listRules(priorities: readonly number[]): Promise<PlannedRule[]> {
    const rules = JSON.parse((await this.ip(['-j', '-4', 'rule', 'show'])) || '[]') as IpRuleJson[];
    return rules
      .filter((r) => priorities.includes(r.priority))
      .map((r) => ({
        priority: r.priority,
        table: r.table === undefined || r.table === 'main' ? 'main' : Number(r.table),
        ...(r.fwmark !== undefined && { fwmark: Number(r.fwmark) }),
        ...(r.dst !== undefined && { to: `${r.dst}/${r.dstlen ?? 32}` }),
      }));
  }

  async addRule(r: PlannedRule): Promise<void> {
    await this.ip(['-4', 'rule', 'add', ...ruleArgs(r)]);
  }

  async delRule(r: PlannedRule): Promise<void> {
    await this.ip(['-4', 'rule', 'del', ...ruleArgs(r)]);
  }
}

function routeArgs(r: PlannedRoute): string[] {
  const args = r.type === 'throw' ? ['throw', r.cidr] : [r.cidr];
  if (r.dev) args.push('dev', r.dev);
  if (r.src) args.push('src', r.src);
  args.push('table', String(r.table), 'metric', String(r.metric));
  return args;
}

function ruleArgs(r: PlannedRule): string[] {
  const args = ['priority', String(r.priority)];
  if (r.fwmark !== undefined) args.push('fwmark', `0x${r.fwmark.toString(16)}`);
  if (r.to) args.push('to', r.to);
  args.push('lookup', String(r.table));
  return args;
}
