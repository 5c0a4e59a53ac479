import type { Logger } from '@wirekube/util';
import { nullLogger, WireKubeError } from '@wirekube/util';
import { canonicalCidr, parseIp } from '@wirekube/wg';
import { MESH_TABLE } from './constants';
import { LinkApplier } from './link-applier';
import type { LinkSpec, RouteSpec, RuleSpec, SnatRule } from './model';
import { renderLink, renderRoute, renderRule } from './model';
import type { IptablesPort, LinkPort, RoutePort, RulePort, SysctlPort } from './ports';
import type { ApplyReport } from './route-applier';
import { RouteApplier } from './route-applier';
import { RuleApplier } from './rule-applier';
import { SnatApplier } from './snat-applier';
import { SysctlApplier } from './sysctl';

/** The whole desired host-network state of a node, as a plain value (see `meshRules`). */
export interface HostPlan {
  link: LinkSpec;
  routes: RouteSpec[];
  rules: RuleSpec[];
  sysctls: Readonly<Record<string, string>>;
  snat: SnatRule[];
}

/** The ports {@link HostNetworking} drives. */
export interface HostPorts {
  routes: RoutePort;
  rules: RulePort;
  link: LinkPort;
  sysctl: SysctlPort;
  iptables: IptablesPort;
}

/** Per-applier reports of one `set` or `cleanup`. */
export type HostReport = Record<'sysctls' | 'link' | 'routes' | 'rules' | 'snat', ApplyReport>;

/**
 * Applies a {@link HostPlan} with the level-triggered appliers, in an order that never steers
 * traffic at a table before its routes exist: sysctls, link, routes, rules, SNAT. `set` may be
 * called any number of times; `cleanup` removes everything WireKube installed, rules first.
 */
export class HostNetworking {
  private readonly sysctls: SysctlApplier;
  private readonly link: LinkApplier;
  private readonly routes: RouteApplier;
  private readonly rules: RuleApplier;
  private readonly snat: SnatApplier;

  constructor(
    private readonly ports: HostPorts,
    opts: { table?: number; logger?: Logger } = {},
  ) {
    const log = opts.logger ?? nullLogger;
    this.sysctls = new SysctlApplier(ports.sysctl, log);
    this.link = new LinkApplier(ports.link, log);
    this.routes = new RouteApplier(ports.routes, opts.table ?? MESH_TABLE, log);
    this.rules = new RuleApplier(ports.rules, log);
    this.snat = new SnatApplier(ports.iptables, log);
  }

  /** Validates the whole plan first (throws `InvalidAddressError` before touching anything), then applies it. */
  async set(plan: HostPlan): Promise<HostReport> {
    validateHostPlan(plan);
    return {
      sysctls: await this.sysctls.set(plan.sysctls),
      link: await this.link.set(plan.link),
      routes: await this.routes.set(plan.routes),
      rules: await this.rules.set(plan.rules),
      snat: await this.snat.set(plan.snat),
    };
  }

  /**
   * Removes rules, routes, SNAT rules and (if given) the interface; restores changed sysctls.
   * Deleting the interface also ends a userspace daemon serving it (wireguard-go exits when its
   * TUN goes away, checked in the lab); stop a supervised one first, or its supervisor restarts it.
   */
  async cleanup(linkName?: string): Promise<HostReport> {
    const rules = await this.rules.cleanup();
    const routes = await this.routes.cleanup();
    const snat = await this.snat.cleanup();
    const sysctls = await this.sysctls.cleanup();
    const link: ApplyReport = { added: [], removed: [], failed: [] };
    if (linkName && (await this.ports.link.getLink(linkName))) {
      await this.ports.link.deleteLink(linkName);
      link.removed.push(linkName);
    }
    return { sysctls, link, routes, rules, snat };
  }
}

/**
 * Sorted `ip …` text of the mesh table, all IPv4 rules and the named interface, read through the
 * ports — the same rendering `FakeHost.snapshot` uses, so real and fake states compare as text.
 */
export async function snapshotHost(ports: Pick<HostPorts, 'routes' | 'rules' | 'link'>, linkName: string, table = MESH_TABLE): Promise<string> {
  const routes = (await ports.routes.listRoutes(table)).map(renderRoute);
  const rules = (await ports.rules.listRules()).map(renderRule);
  const link = renderLink(await ports.link.getLink(linkName), linkName);
  return [...routes, ...rules, ...link].sort().join('\n');
}

/** Throws on any malformed address in `plan`, so a bad plan never half-applies. */
export function validateHostPlan(plan: HostPlan): void {
  for (const a of plan.link.addresses) canonicalCidr(a);
  for (const r of plan.routes) {
    canonicalCidr(r.dst);
    if (r.src !== undefined) parseIp(r.src);
    if (r.type !== 'throw' && !r.dev) throw new WireKubeError('invalid-route', `unicast route ${r.dst} has no device`);
  }
  for (const r of plan.rules) if (r.to !== undefined) canonicalCidr(r.to);
  for (const r of plan.snat) {
    canonicalCidr(r.source);
    if (r.destination !== undefined) canonicalCidr(r.destination);
    if (r.toSource !== undefined) parseIp(r.toSource);
  }
}
