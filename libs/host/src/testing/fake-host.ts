import type { LinkState, RouteEntry, RuleEntry } from '../model';
import { effectiveMetric, renderLink, renderRoute, renderRule, routeKey, ruleKey } from '../model';
import type { LinkPort, RoutePort, RulePort, SysctlPort } from '../ports';

const errno = (code: string, what: string) => Object.assign(new Error(`${what}: ${code}`), { code });

/**
 * An in-memory kernel for the host ports: routes (any table), rules, links with addresses, and
 * sysctls, with the kernel's refusals (EEXIST on duplicates, ENOENT on missing entries, ENODEV
 * for unknown links). Tests mutate it directly to play "someone else" and compare
 * {@link FakeHost.snapshot} — sorted `ip …` text — against expected whole states.
 */
export class FakeHost implements RoutePort, RulePort, LinkPort, SysctlPort {
  routes: RouteEntry[] = [];
  rules: RuleEntry[] = [];
  links = new Map<string, LinkState>();
  sysctls = new Map<string, string>([
    ['net.ipv4.ip_forward', '0'],
    ['net.ipv4.conf.all.src_valid_mark', '0'],
  ]);
  /** Every mutating call, in order, as `ip …` text. */
  readonly calls: string[] = [];

  /** Adds an interface (as the WireGuard backend would). */
  addLink(name: string, mtu = 1500): void {
    this.links.set(name, { name, index: this.links.size + 2, mtu, up: false, addresses: [] });
  }

  /** Sorted text of routes in `tables` (all when omitted), rules, links and sysctls. */
  snapshot(tables?: number[]): string {
    const routes = this.routes.filter((r) => !tables || tables.includes(r.table)).map(renderRoute);
    const links = [...this.links.values()].flatMap((l) => renderLink(l, l.name));
    const sysctls = [...this.sysctls].map(([k, v]) => `sysctl ${k}=${v}`);
    return [...routes, ...this.rules.map(renderRule), ...links, ...sysctls].sort().join('\n');
  }

  async listRoutes(table: number): Promise<RouteEntry[]> {
    return this.routes.filter((r) => r.table === table).map((r) => ({ ...r }));
  }

  async addRoute(r: RouteEntry): Promise<void> {
    this.calls.push(renderRoute(r));
    if (r.type !== 'throw') {
      if (!r.dev || !this.links.has(r.dev)) throw errno('ENODEV', r.dev ?? '-');
      if (!this.links.get(r.dev)!.up) throw errno('ENETDOWN', r.dev);
    }
    // The kernel keys routes by table + destination + metric (+ tos, which WireKube never sets).
    if (this.routes.some((x) => x.table === r.table && x.dst === r.dst && effectiveMetric(x) === effectiveMetric(r))) throw errno('EEXIST', routeKey(r));
    this.routes.push({ ...r, ...(effectiveMetric(r) && { metric: effectiveMetric(r) }) });
  }

  async delRoute(r: RouteEntry): Promise<void> {
    this.calls.push(renderRoute(r).replace('ip route add', 'ip route del'));
    const i = this.routes.findIndex(
      (x) => x.table === r.table && x.dst === r.dst && x.dev === r.dev && effectiveMetric(x) === effectiveMetric(r) && x.proto === r.proto,
    );
    if (i < 0) throw errno('ESRCH', routeKey(r));
    this.routes.splice(i, 1);
  }

  async listRules(): Promise<RuleEntry[]> {
    return this.rules.map((r) => ({ ...r }));
  }

  async addRule(r: RuleEntry): Promise<void> {
    this.calls.push(renderRule(r));
    if (this.rules.some((x) => ruleKey(x) === ruleKey(r) && x.proto === r.proto)) throw errno('EEXIST', ruleKey(r));
    this.rules.push({ ...r });
  }

  async delRule(r: RuleEntry): Promise<void> {
    this.calls.push(renderRule(r).replace('ip rule add', 'ip rule del'));
    const i = this.rules.findIndex((x) => ruleKey(x) === ruleKey(r) && x.proto === r.proto);
    if (i < 0) throw errno('ENOENT', ruleKey(r));
    this.rules.splice(i, 1);
  }

  async getLink(name: string): Promise<LinkState | undefined> {
    const l = this.links.get(name);
    return l && { ...l, addresses: [...l.addresses] };
  }

  async setMtu(name: string, mtu: number): Promise<void> {
    this.calls.push(`ip link set ${name} mtu ${mtu}`);
    this.link(name).mtu = mtu;
  }

  async setUp(name: string, up: boolean): Promise<void> {
    this.calls.push(`ip link set ${name} ${up ? 'up' : 'down'}`);
    this.link(name).up = up;
    // IPv4 flushes a link's routes when it goes down (fib_sync_down_dev), as measured in the lab.
    if (!up) this.routes = this.routes.filter((r) => r.dev !== name);
  }

  async addAddress(name: string, cidr: string): Promise<void> {
    this.calls.push(`ip addr add ${cidr} dev ${name}`);
    const l = this.link(name);
    if (l.addresses.includes(cidr)) throw errno('EEXIST', cidr);
    l.addresses.push(cidr);
  }

  async delAddress(name: string, cidr: string): Promise<void> {
    this.calls.push(`ip addr del ${cidr} dev ${name}`);
    const l = this.link(name);
    if (!l.addresses.includes(cidr)) throw errno('EADDRNOTAVAIL', cidr);
    l.addresses = l.addresses.filter((a) => a !== cidr);
  }

  async deleteLink(name: string): Promise<void> {
    this.calls.push(`ip link del ${name}`);
    this.link(name);
    this.links.delete(name);
    this.routes = this.routes.filter((r) => r.dev !== name); // the kernel drops a link's routes with it
  }

  async read(key: string): Promise<string> {
    const v = this.sysctls.get(key);
    if (v === undefined) throw errno('ENOENT', key);
    return v;
  }

  async write(key: string, value: string): Promise<void> {
    this.calls.push(`sysctl -w ${key}=${value}`);
    if (!this.sysctls.has(key)) throw errno('ENOENT', key);
    this.sysctls.set(key, value);
  }

  private link(name: string): LinkState {
    const l = this.links.get(name);
    if (!l) throw errno('ENODEV', name);
    return l;
  }
}
