import type { LinkState, RouteEntry, RuleEntry } from './model';

/** Routes in one table, reads included. Implemented over rtnetlink and by `FakeHost`. */
export interface RoutePort {
  listRoutes(table: number): Promise<RouteEntry[]>;
  /** Fails if an identical route exists. */
  addRoute(r: RouteEntry): Promise<void>;
  /** Deletes the route matching dst, table, dev and proto. */
  delRoute(r: RouteEntry): Promise<void>;
}

/** IPv4 policy rules, reads included. */
export interface RulePort {
  listRules(): Promise<RuleEntry[]>;
  addRule(r: RuleEntry): Promise<void>;
  delRule(r: RuleEntry): Promise<void>;
}

/** One network interface: MTU, up/down, IPv4 addresses; reads included. */
export interface LinkPort {
  getLink(name: string): Promise<LinkState | undefined>;
  setMtu(name: string, mtu: number): Promise<void>;
  setUp(name: string, up: boolean): Promise<void>;
  addAddress(name: string, cidr: string): Promise<void>;
  delAddress(name: string, cidr: string): Promise<void>;
  deleteLink(name: string): Promise<void>;
}

/** Kernel parameters by dotted name (`net.ipv4.ip_forward`). */
export interface SysctlPort {
  read(key: string): Promise<string>;
  write(key: string, value: string): Promise<void>;
}

/** Runs one iptables invocation (without the binary name); resolves stdout, rejects on failure. */
export interface IptablesPort {
  run(args: string[]): Promise<string>;
}
