import { MAIN_TABLE, WIREKUBE_PROTO, type LinkPort, type RouteEntry, type RoutePort, type RuleEntry, type RulePort } from '@wirekube/host';
import type { PlannedRoute, PlannedRule } from '@wirekube/planner';
import type { HostNet, LinkInfo } from './host-net';

/** The `@wirekube/host` ports the agent drives (`RtNetlinkHost` implements all three). */
export type NetlinkPorts = RoutePort & RulePort & LinkPort;

const routeKey = (r: PlannedRoute) => `${r.type} ${r.cidr} ${r.table} ${r.dev ?? ''} ${r.metric}`;
const ruleKey = (r: PlannedRule) => `${r.priority} ${r.table} ${r.fwmark ?? ''} ${r.to ?? ''}`;

/**
 * {@link HostNet} over `@wirekube/host`'s rtnetlink ports (one netlink socket instead of an `ip`
 * process per call). IPv4 only, as the planner plans. What it adds carries the host library's
 * ownership mark (proto {@link WIREKUBE_PROTO}); what it lists is everything in the mesh table
 * and at WireKube's rule priorities, so entries an older agent installed with `ip` (proto boot)
 * are still recognised — not duplicated, and removed when stale or on cleanup. A delete names the
 * protocol the entry was listed with (the kernel matches on it).
 */
export class NetlinkHostNet implements HostNet {
  private readonly routeProto = new Map<string, number>();
  private readonly ruleProto = new Map<string, number>();

  constructor(private readonly ports: NetlinkPorts) {}

  async link(name: string): Promise<LinkInfo | undefined> {
    const l = await this.ports.getLink(name);
    return l && { up: l.up, mtu: l.mtu, addresses: l.addresses.filter((a) => !a.includes(':')) };
  }

  async setLink(name: string, change: { up?: boolean; mtu?: number }): Promise<void> {
    if (change.mtu !== undefined) await this.ports.setMtu(name, change.mtu);
    if (change.up !== undefined) await this.ports.setUp(name, change.up);
  }

  addAddress(name: string, cidr: string): Promise<void> {
    return this.ports.addAddress(name, cidr);
  }

  delAddress(name: string, cidr: string): Promise<void> {
    return this.ports.delAddress(name, cidr);
  }

  deleteLink(name: string): Promise<void> {
    return this.ports.deleteLink(name);
  }

  async listRoutes(table: number): Promise<PlannedRoute[]> {
    const out: PlannedRoute[] = [];
    for (const e of await this.ports.listRoutes(table)) {
      if (e.dst.includes(':')) continue;
      const r: PlannedRoute = {
        type: e.type === 'throw' ? 'throw' : 'unicast',
        cidr: e.dst,
        table,
        ...(e.type !== 'throw' && e.dev !== undefined && { dev: e.dev }),
        ...(e.src !== undefined && { src: e.src }),
        metric: e.metric ?? 0,
      };
      this.routeProto.set(routeKey(r), e.proto);
      out.push(r);
    }
    return out;
  }

  addRoute(r: PlannedRoute): Promise<void> {
    return this.ports.addRoute(routeEntry(r, WIREKUBE_PROTO));
  }

  delRoute(r: PlannedRoute): Promise<void> {
    return this.ports.delRoute(routeEntry(r, this.routeProto.get(routeKey(r)) ?? WIREKUBE_PROTO));
  }

  async listRules(priorities: readonly number[]): Promise<PlannedRule[]> {
    const out: PlannedRule[] = [];
    for (const e of await this.ports.listRules()) {
      if (e.family === 6 || !priorities.includes(e.priority)) continue;
      const r: PlannedRule = {
        priority: e.priority,
        table: e.table === MAIN_TABLE ? 'main' : e.table,
        ...(e.fwmark !== undefined && { fwmark: e.fwmark }),
        ...(e.to !== undefined && { to: e.to }),
      };
      this.ruleProto.set(ruleKey(r), e.proto);
      out.push(r);
    }
    return out;
  }

  addRule(r: PlannedRule): Promise<void> {
    return this.ports.addRule(ruleEntry(r, WIREKUBE_PROTO));
  }

  delRule(r: PlannedRule): Promise<void> {
    return this.ports.delRule(ruleEntry(r, this.ruleProto.get(ruleKey(r)) ?? WIREKUBE_PROTO));
  }
}

function routeEntry(r: PlannedRoute, proto: number): RouteEntry {
  return { ...(r.type === 'throw' && { type: 'throw' }), dst: r.cidr, ...(r.dev && { dev: r.dev }), ...(r.src && { src: r.src }), metric: r.metric, table: r.table, proto };
}

function ruleEntry(r: PlannedRule, proto: number): RuleEntry {
  return { family: 4, priority: r.priority, ...(r.fwmark !== undefined && { fwmark: r.fwmark }), ...(r.to && { to: r.to }), table: r.table === 'main' ? MAIN_TABLE : r.table, proto };
}
