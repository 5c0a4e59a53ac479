import type { PlannedRoute, PlannedRule } from '@wirekube/planner';
import type { HostNet, LinkInfo } from './host-net';

/**
 * In-memory {@link HostNet} for unit tests, with iproute2's failure semantics that matter here:
 * adding an existing route/rule/address fails, deleting a missing one fails. Counts every write.
 */
export class FakeHostNet implements HostNet {
  readonly links = new Map<string, LinkInfo>();
  routes: PlannedRoute[] = [];
  rules: PlannedRule[] = [];
  writes = 0;

  async link(name: string): Promise<LinkInfo | undefined> {
    const l = this.links.get(name);
    return l && { ...l, addresses: [...l.addresses] };
  }

  async setLink(name: string, change: { up?: boolean; mtu?: number }): Promise<void> {
    const l = this.must(name);
    this.writes++;
    if (change.up !== undefined) l.up = change.up;
    if (change.mtu !== undefined) l.mtu = change.mtu;
  }

  async addAddress(name: string, cidr: string): Promise<void> {
    const l = this.must(name);
    if (l.addresses.includes(cidr)) throw new Error(`RTNETLINK answers: File exists (${cidr})`);
    this.writes++;
    l.addresses.push(cidr);
  }

  async delAddress(name: string, cidr: string): Promise<void> {
    const l = this.must(name);
    if (!l.addresses.includes(cidr)) throw new Error(`RTNETLINK answers: Cannot assign requested address (${cidr})`);
    this.writes++;
    l.addresses = l.addresses.filter((a) => a !== cidr);
  }

  async deleteLink(name: string): Promise<void> {
    this.must(name);
    this.writes++;
    this.links.delete(name);
    this.routes = this.routes.filter((r) => r.dev !== name);
  }

  async listRoutes(table: number): Promise<PlannedRoute[]> {
    return this.routes.filter((r) => r.table === table).map((r) => ({ ...r }));
  }

  async addRoute(r: PlannedRoute): Promise<void> {
    if (r.dev && !this.links.has(r.dev)) throw new Error(`Cannot find device "${r.dev}"`);
    if (this.routes.some((x) => x.table === r.table && x.cidr === r.cidr && x.metric === r.metric)) throw new Error(`RTNETLINK answers: File exists (${r.cidr})`);
    this.writes++;
    this.routes.push({ ...r });
  }

  async delRoute(r: PlannedRoute): Promise<void> {
    const i = this.routes.findIndex((x) => x.table === r.table && x.cidr === r.cidr && x.type === r.type);
    if (i < 0) throw new Error(`RTNETLINK answers: No such process (${r.cidr})`);
    this.writes++;
    this.routes.splice(i, 1);
  }

  async listRules(priorities: readonly number[]): Promise<PlannedRule[]> {
    return this.rules.filter((r) => priorities.includes(r.priority)).map((r) => ({ ...r }));
  }

  async addRule(r: PlannedRule): Promise<void> {
    this.writes++;
    this.rules.push({ ...r });
  }

  async delRule(r: PlannedRule): Promise<void> {
    const i = this.rules.findIndex((x) => JSON.stringify(x) === JSON.stringify(r));
    if (i < 0) throw new Error('RTNETLINK answers: No such file or directory');
    this.writes++;
    this.rules.splice(i, 1);
  }

  private must(name: string): LinkInfo {
    const l = this.links.get(name);
    if (!l) throw new Error(`Cannot find device "${name}"`);
    return l;
  }
}
