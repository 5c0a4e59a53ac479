import type { PlannedRoute, PlannedRule } from '@wirekube/planner';

/** The interface as the host reports it. */
export interface LinkInfo {
  up: boolean;
  mtu: number;
  /** Addresses with prefix length, e.g. `10.250.3.7/32`. */
  addresses: string[];
}

/**
 * The narrow port onto the node's network stack that the agent needs (interface, routes in the
 * mesh table, policy rules). Implemented over `@wirekube/host`'s rtnetlink ports by
 * `NetlinkHostNet` and in memory by `FakeHostNet` for unit tests.
 */
export interface HostNet {
  link(name: string): Promise<LinkInfo | undefined>;
  setLink(name: string, change: { up?: boolean; mtu?: number }): Promise<void>;
  addAddress(name: string, cidr: string): Promise<void>;
  delAddress(name: string, cidr: string): Promise<void>;
  deleteLink(name: string): Promise<void>;
  listRoutes(table: number): Promise<PlannedRoute[]>;
  addRoute(r: PlannedRoute): Promise<void>;
  delRoute(r: PlannedRoute): Promise<void>;
  /** Every IPv4 rule with one of the given priorities. */
  listRules(priorities: readonly number[]): Promise<PlannedRule[]>;
  addRule(r: PlannedRule): Promise<void>;
  delRule(r: PlannedRule): Promise<void>;
}

/** What the host should look like for the mesh. */
export interface HostDesired {
  iface: string;
  mtu: number;
  addresses: string[];
  table: number;
  routes: PlannedRoute[];
  /** Priorities WireKube owns; rules at these priorities that are not desired are removed. */
  rulePriorities: readonly number[];
  rules: PlannedRule[];
}

/** Number of host changes one {@link applyHost} made, per kind. */
export interface HostChanges {
  link: number;
  addresses: number;
  routes: number;
  rules: number;
}

/**
 * Level-triggered applier: reads the interface, the mesh table and WireKube's rule priorities, and
 * changes only what differs from `d` — so something an operator deleted comes back, and nothing that
 * already matches is touched (no route flaps under traffic). Rules are added before stale ones are
 * removed, so the mesh table is never unreachable in between.
 */
export async function applyHost(host: HostNet, d: HostDesired): Promise<HostChanges> {
  const changes: HostChanges = { link: 0, addresses: 0, routes: 0, rules: 0 };
  const link = await host.link(d.iface);
  if (!link) throw new Error(`interface ${d.iface} does not exist`);
  if (link.mtu !== d.mtu) changes.link += await count(host.setLink(d.iface, { mtu: d.mtu }));
  for (const a of d.addresses.filter((x) => !link.addresses.includes(x))) changes.addresses += await count(host.addAddress(d.iface, a));
  for (const a of link.addresses.filter((x) => !d.addresses.includes(x))) changes.addresses += await count(host.delAddress(d.iface, a));
  if (!link.up) changes.link += await count(host.setLink(d.iface, { up: true }));

  const routeKey = (r: PlannedRoute) => `${r.type} ${r.cidr} ${r.dev ?? ''} ${r.src ?? ''} ${r.metric}`;
  const routes = diff(await host.listRoutes(d.table), d.routes, routeKey);
  for (const r of routes.stale) changes.routes += await count(host.delRoute(r));
  for (const r of routes.missing) changes.routes += await count(host.addRoute(r));

  const ruleKey = (r: PlannedRule) => `${r.priority} ${r.table} ${r.fwmark ?? ''} ${r.to ?? ''}`;
  const rules = diff(await host.listRules(d.rulePriorities), d.rules, ruleKey);
  for (const r of rules.missing) changes.rules += await count(host.addRule(r));
  for (const r of rules.stale) changes.rules += await count(host.delRule(r));
  return changes;
}

/**
 * Removes everything WireKube installs on the host: its rules, the mesh table and the interface.
 * Idempotent; missing pieces are not errors.
 */
export async function removeHost(host: HostNet, d: { iface: string; table: number; rulePriorities: readonly number[] }): Promise<HostChanges> {
  const changes: HostChanges = { link: 0, addresses: 0, routes: 0, rules: 0 };
  for (const r of await host.listRules(d.rulePriorities)) changes.rules += await count(host.delRule(r));
  for (const r of await host.listRoutes(d.table)) changes.routes += await count(host.delRoute(r));
  if (await host.link(d.iface)) changes.link += await count(host.deleteLink(d.iface));
  return changes;
}

async function count(p: Promise<void>): Promise<number> {
  await p;
  return 1;
}

function diff<T>(have: readonly T[], want: readonly T[], key: (t: T) => string): { stale: T[]; missing: T[] } {
  const haveKeys = new Set(have.map(key));
  const wantKeys = new Set(want.map(key));
  return { stale: have.filter((t) => !wantKeys.has(key(t))), missing: want.filter((t) => !haveKeys.has(key(t))) };
}
