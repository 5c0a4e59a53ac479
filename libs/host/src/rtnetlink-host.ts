import { createRtNetlink, FlagsNew, rt, type RtNetlinkSocket } from 'netlink';
import { WireKubeError } from '@wirekube/util';
import { formatIp, parseCidr, parseIp } from '@wirekube/wg';
import { LinkMissingError } from './link-applier';
import type { LinkState, RouteEntry, RuleEntry } from './model';
import { ruleFamily } from './model';
import type { LinkPort, RoutePort, RulePort } from './ports';

const AF_INET = 2;
const AF_INET6 = 10;
const RT_SCOPE_LINK = 253;
const familyOf = (bytes: Uint8Array) => (bytes.length === 4 ? AF_INET : AF_INET6);
// Table ids above 255 do not fit the u8 header field: iproute2 puts RT_TABLE_UNSPEC there and the
// real id in RTA_TABLE / FRA_TABLE, and the kernel reports such tables as RT_TABLE_COMPAT (252).
const RT_TABLE_UNSPEC = 0;
const headerTable = (t: number) => (t < 256 ? t : RT_TABLE_UNSPEC);
const CREATE_EXCL = { flags: FlagsNew.CREATE | FlagsNew.EXCL };

/** An rtnetlink request the kernel rejected; `errno` is the name (EEXIST, ENOENT, …). */
export class NetlinkError extends WireKubeError {
  constructor(
    readonly op: string,
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super('netlink', `${op}: ${errno}`, options);
  }
}

/**
 * The host's routes, rules and links over rtnetlink (IPv4 and IPv6), in the network namespace of
 * this process. One socket, opened lazily; `close()` releases it.
 */
export class RtNetlinkHost implements RoutePort, RulePort, LinkPort {
  private sock?: RtNetlinkSocket;
  // ifindex ↔ name, refreshed by every listing and on a miss, so adding 1000 routes does not
  // dump the link table 1000 times. A stale index (link re-created) fails with ENODEV and retries.
  private names = new Map<number, string>();

  close(): void {
    this.sock?.socket.close();
    this.sock = undefined;
  }

  async listRoutes(table: number): Promise<RouteEntry[]> {
    const names = await this.linkNames();
    const routes = [
      ...(await this.call('list routes', (s) => s.getRoutes({ family: AF_INET }))),
      ...(await this.call('list IPv6 routes', (s) => s.getRoutes({ family: AF_INET6 }))),
    ];
    const out: RouteEntry[] = [];
    for (const r of routes) {
      const t = r.attrs.table ?? r.data.table ?? 0;
      const type = r.data.type === 'THROW' ? 'throw' : r.data.type === 'UNICAST' ? 'unicast' : undefined;
      if (t !== table || !type) continue;
      const dst = `${r.attrs.dst ? formatIp(r.attrs.dst) : r.data.family === AF_INET6 ? '::' : '0.0.0.0'}/${r.data.dstLen ?? 0}`;
      out.push({
        ...(type === 'throw' && { type }),
        dst,
        ...(r.attrs.oif !== undefined && { dev: names.get(r.attrs.oif) ?? `if${r.attrs.oif}` }),
        ...(r.attrs.prefsrc && { src: formatIp(r.attrs.prefsrc) }),
        ...(r.attrs.priority && { metric: r.attrs.priority }),
        table: t,
        proto: protoNumber(r.data.protocol),
      });
    }
    return out;
  }

  async addRoute(r: RouteEntry): Promise<void> {
    await this.withFreshIndex(async () => {
      const [hdr, attrs] = await this.routeMsg(r);
      await this.call(`add route ${r.dst}`, (s) => s.newRoute(hdr, attrs, CREATE_EXCL));
    });
  }

  async delRoute(r: RouteEntry): Promise<void> {
    await this.withFreshIndex(async () => {
      const [hdr, attrs] = await this.routeMsg(r);
      await this.call(`del route ${r.dst}`, (s) => s.delRoute(hdr, attrs));
    });
  }

  async listRules(): Promise<RuleEntry[]> {
    const rules = [
      ...(await this.call('list rules', (s) => s.getRules({ family: AF_INET }))),
      ...(await this.call('list IPv6 rules', (s) => s.getRules({ family: AF_INET6 }))),
    ];
    return rules.map((r) => ({
      family: r.data.family === AF_INET6 ? 6 : 4,
      priority: r.attrs.priority ?? 0,
      ...(r.attrs.fwmark !== undefined && { fwmark: r.attrs.fwmark }),
      ...(r.attrs.dst && { to: `${formatIp(r.attrs.dst)}/${r.data.dstLen}` }),
      table: r.attrs.table ?? r.data.table ?? 0,
      proto: r.attrs.protocol ?? 0,
    }));
  }

  async addRule(r: RuleEntry): Promise<void> {
    const [hdr, attrs] = ruleMsg(r);
    await this.call(`add rule prio ${r.priority}`, (s) => s.newRule(hdr, attrs, CREATE_EXCL));
  }

  async delRule(r: RuleEntry): Promise<void> {
    const [hdr, attrs] = ruleMsg(r);
    await this.call(`del rule prio ${r.priority}`, (s) => s.delRule(hdr, attrs));
  }

  async getLink(name: string): Promise<LinkState | undefined> {
    const links = await this.call('list links', (s) => s.getLinks());
    this.names = new Map(links.filter((x) => x.data.index !== undefined).map((x) => [x.data.index!, x.attrs.ifname ?? '']));
    const l = links.find((x) => x.attrs.ifname === name);
    if (!l || l.data.index === undefined) return undefined;
    const index = l.data.index;
    const addrs = await this.call('list addresses', (s) => s.getAddresses());
    return {
      name,
      index,
      mtu: l.attrs.mtu ?? 0,
      up: !!l.data.flags?.up,
      addresses: addrs
        .filter((a) => a.data.index === index && a.data.scope !== RT_SCOPE_LINK)
        .flatMap((a) => {
          // IPv4 reports the own address in IFA_LOCAL, IPv6 only in IFA_ADDRESS.
          const ip = a.attrs.local ?? a.attrs.address;
          return ip && (ip.length === 4 || ip.length === 16) ? [`${formatIp(ip)}/${a.data.prefixlen}`] : [];
        }),
    };
  }

  async setMtu(name: string, mtu: number): Promise<void> {
    const index = await this.index(name);
    await this.call(`set ${name} mtu`, (s) => s.setLink({ index }, { mtu }));
  }

  async setUp(name: string, up: boolean): Promise<void> {
    const index = await this.index(name);
    await this.call(`set ${name} ${up ? 'up' : 'down'}`, (s) => s.setLink({ index, flags: up ? { up: true } : {}, change: { up: true } }));
  }

  async addAddress(name: string, cidr: string): Promise<void> {
    const [hdr, attrs] = await this.addrMsg(name, cidr);
    await this.call(`add address ${cidr}`, (s) => s.newAddress(hdr, attrs, CREATE_EXCL));
  }

  async delAddress(name: string, cidr: string): Promise<void> {
    const [hdr, attrs] = await this.addrMsg(name, cidr);
    await this.call(`del address ${cidr}`, (s) => s.delAddress(hdr, attrs));
  }

  async deleteLink(name: string): Promise<void> {
    const index = await this.index(name);
    await this.call(`delete link ${name}`, (s) => s.delLink({ index }));
  }

  private async routeMsg(r: RouteEntry): Promise<[rt.Route, rt.RouteAttrs]> {
    const c = parseCidr(r.dst);
    const family = c.family === 4 ? AF_INET : AF_INET6;
    const common = { dst: c.addr, table: r.table, ...(r.metric && { priority: r.metric }) };
    if (r.type === 'throw') {
      return [{ family, dstLen: c.prefix, table: headerTable(r.table), protocol: r.proto, scope: 'UNIVERSE', type: 'THROW' }, common];
    }
    if (!r.dev) throw new WireKubeError('route-without-dev', `unicast route ${r.dst} needs a device`);
    // An IPv4 device route without gateway has link scope, as `ip route add … dev X` creates it;
    // IPv6 routes are always universe scope.
    return [
      { family, dstLen: c.prefix, table: headerTable(r.table), protocol: r.proto, scope: family === AF_INET ? 'LINK' : 'UNIVERSE', type: 'UNICAST' },
      { ...common, oif: await this.index(r.dev), ...(r.src && { prefsrc: parseIp(r.src) }) },
    ];
  }

  private async addrMsg(name: string, cidr: string): Promise<[rt.Address, rt.AddressAttrs]> {
    const [ip, len] = cidr.split('/');
    const addr = parseIp(ip);
    const prefixlen = len === undefined ? addr.length * 8 : Number(len);
    // No duplicate address detection on IPv6: the mesh interface has no link layer to probe, and a
    // tentative address cannot be a route's source until DAD ends (EINVAL on `src`).
    const flags = addr.length === 16 ? { nodad: true as const } : {};
    return [{ family: familyOf(addr), prefixlen, index: await this.index(name), flags }, { local: addr, address: addr }];
  }

  private async index(name: string): Promise<number> {
    const find = (names: Map<number, string>) => [...names].find(([, n]) => n === name)?.[0];
    const index = find(this.names) ?? find(await this.linkNames());
    if (index === undefined) throw new LinkMissingError(name);
    return index;
  }

  private async linkNames(): Promise<Map<number, string>> {
    const links = await this.call('list links', (s) => s.getLinks());
    this.names = new Map(links.filter((l) => l.data.index !== undefined).map((l) => [l.data.index!, l.attrs.ifname ?? '']));
    return this.names;
  }

  private async withFreshIndex(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (err) {
      if (!(err instanceof NetlinkError && err.errno === 'ENODEV')) throw err;
      await this.linkNames();
      await op();
    }
  }

  private async call<T>(op: string, f: (s: RtNetlinkSocket) => Promise<T>): Promise<T> {
    this.sock ??= createRtNetlink();
    try {
      return await f(this.sock);
    } catch (err) {
      const m = /Request rejected: (\w+)/.exec((err as Error).message);
      throw new NetlinkError(op, m ? m[1] : (err as Error).message, { cause: err });
    }
  }
}

function ruleMsg(r: RuleEntry): [rt.Rule, rt.RuleAttrs] {
  const c = r.to !== undefined ? parseCidr(r.to) : undefined;
  return [
    { family: ruleFamily(r) === 6 ? AF_INET6 : AF_INET, table: headerTable(r.table), action: 'toTbl', dstLen: c?.prefix ?? 0 },
    {
      priority: r.priority,
      table: r.table,
      protocol: r.proto,
      ...(r.fwmark !== undefined && { fwmark: r.fwmark, fwmask: 0xffffffff }),
      ...(c && { dst: c.addr }),
    },
  ];
}

function protoNumber(p: rt.Route['protocol']): number {
  if (typeof p === 'number') return p;
  if (p === undefined) return 0;
  return rt.RouteProtocol[p];
}

