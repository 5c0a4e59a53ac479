import { LinkApplier, MAIN_TABLE, RouteApplier, RuleApplier, WIREKUBE_PROTO, type ApplyReport, type LinkPort, type RoutePort, type RouteSpec, type RulePort, type RuleSpec } from '@wirekube/host';
import type { PlannedRoute, PlannedRule } from '@wirekube/planner';
import { memoByObject, nullLogger, type Logger } from '@wirekube/util';

/** The `@wirekube/host` ports the agent drives (`RtNetlinkHost` implements all three; `FakeHost` in tests). */
export type HostPorts = RoutePort & RulePort & LinkPort;

/** What the host should look like for the mesh. */
export interface HostDesired {
  iface: string;
  mtu: number;
  addresses: string[];
  routes: PlannedRoute[];
  rules: PlannedRule[];
}

/** Number of host changes one apply or remove made, per kind (added + removed). */
export interface HostChanges {
  link: number;
  routes: number;
  rules: number;
}

/**
 * PlannedRoute → the host library's RouteSpec (the table is the applier's). Planned routes are
 * shared across plans while unchanged; so are their specs, so the route applier derives each
 * route's key once (docs/scale.md).
 */
export const routeSpec = memoByObject((r: PlannedRoute): RouteSpec => ({ type: r.type, dst: r.cidr, ...(r.dev && { dev: r.dev }), ...(r.src && { src: r.src }), metric: r.metric }));

/** PlannedRule → the host library's RuleSpec (`main` is table 254). */
export function ruleSpec(r: PlannedRule): RuleSpec {
  return { family: 4, priority: r.priority, ...(r.fwmark !== undefined && { fwmark: r.fwmark }), ...(r.to && { to: r.to }), table: r.table === 'main' ? MAIN_TABLE : r.table };
}

/**
 * The mesh interface, the mesh table and WireKube's rules, kept as planned by `@wirekube/host`'s
 * level-triggered appliers (only differences change; something an operator deleted comes back;
 * entries are owned through proto {@link WIREKUBE_PROTO}). Entries an agent before the host
 * library installed with `ip` (proto boot) in the mesh table or at WireKube's rule priorities are
 * removed once, before the first apply, so the appliers can own the table (a one-off blip on
 * upgrade; a restarted agent of this version finds only its own entries and changes nothing).
 * A change the kernel refused fails the apply, so the caller retries.
 */
export class MeshHost {
  private readonly link: LinkApplier;
  private readonly routes: RouteApplier;
  private readonly rules: RuleApplier;
  private legacyChecked = false;

  constructor(
    private readonly ports: HostPorts,
    private readonly o: { table: number; rulePriorities: readonly number[]; logger?: Logger },
  ) {
    const log = o.logger ?? nullLogger;
    this.link = new LinkApplier(ports, log);
    this.routes = new RouteApplier(ports, o.table, log);
    this.rules = new RuleApplier(ports, log);
  }

  async apply(d: HostDesired): Promise<HostChanges> {
    const legacy = this.legacyChecked ? { routes: 0, rules: 0 } : await this.removeLegacy();
    this.legacyChecked = true;
    const link = await this.link.set({ name: d.iface, addresses: d.addresses, mtu: d.mtu, up: true });
    const routes = await this.routes.set(d.routes.map(routeSpec));
    const rules = await this.rules.set(d.rules.map(ruleSpec));
    const failed = [...link.failed, ...routes.failed, ...rules.failed];
    if (failed.length) throw new Error(`host changes refused: ${failed.join('; ')}`);
    return { link: n(link), routes: n(routes) + legacy.routes, rules: n(rules) + legacy.rules };
  }

  /** Removes WireKube's rules, the mesh routes and the interface (legacy entries included). Idempotent. */
  async remove(iface: string): Promise<HostChanges> {
    const legacy = await this.removeLegacy();
    const rules = await this.rules.cleanup();
    const routes = await this.routes.cleanup();
    let link = 0;
    if (await this.ports.getLink(iface)) {
      await this.ports.deleteLink(iface);
      link = 1;
    }
    return { link, routes: n(routes) + legacy.routes, rules: n(rules) + legacy.rules };
  }

  private async removeLegacy(): Promise<{ routes: number; rules: number }> {
    const routes = (await this.ports.listRoutes(this.o.table)).filter((r) => r.proto !== WIREKUBE_PROTO);
    const rules = (await this.ports.listRules()).filter((r) => r.proto !== WIREKUBE_PROTO && this.o.rulePriorities.includes(r.priority));
    for (const r of rules) await this.ports.delRule(r);
    for (const r of routes) await this.ports.delRoute(r);
    if (routes.length + rules.length) this.o.logger?.info('removed mesh routes and rules installed before the host library (re-added with its ownership mark)', { routes: routes.length, rules: rules.length });
    return { routes: routes.length, rules: rules.length };
  }
}

function n(r: ApplyReport): number {
  return r.added.length + r.removed.length;
}
