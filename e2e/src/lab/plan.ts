import { type NatType, type ServiceName, type TopologySpec, INTERNET_PREFIX_LEN, SERVICE_ADDRS, validateTopology } from './topology';

/** What a namespace is for. */
export type NamespaceRole = 'internet' | 'router' | 'carrier' | 'node' | 'host' | 'service';

/** One end of a veth pair. `bridge` names a bridge in the same namespace to enslave it to. */
export interface LinkEnd {
  netns: string;
  ifname: string;
  bridge?: string;
}

/** A router's NAT configuration (its namespace holds `wanIf` and `lanIf`). */
export interface RouterPlan {
  netns: string;
  nat: Exclude<NatType, 'public'>;
  wanIf: string;
  wanAddr: string;
  lanIf: string;
  lanCidr: string;
  /** Loops LAN traffic to the router's own WAN address back to the mapped LAN host. */
  hairpin: boolean;
  /** Forwards between LAN segments (a `subnetPerMember` site), un-NATed. */
  routeLan?: boolean;
}

/** A namespace that runs programs: a mesh node, a non-member host or a service host. */
export interface HostPlan {
  name: string;
  kind: 'node' | 'host' | 'service';
  /** Site name; undefined for services. */
  site?: string;
  netns: string;
  /** Addresses on `ifname`, primary first. */
  addrs: string[];
  ifname: string;
}

/** A site as built: where its traffic enters the internet segment. */
export interface SitePlan {
  name: string;
  index: number;
  nat: NatType;
  carrier?: Exclude<NatType, 'public'>;
  /** The /24 that holds every public address of this site (router WAN or public nodes). */
  publicCidr: string;
  /** The address the internet sees for NATed sites (the outermost router's WAN). */
  wanAddr?: string;
  lanCidr: string;
  /** Router namespace (the home router behind a carrier for double NAT). */
  router?: RouterPlan;
  carrierRouter?: RouterPlan;
  /** Bridge ports in the internet namespace that lead to this site. */
  uplinks: string[];
  /** Devices that carry this site's traffic towards the internet (for upload shaping). */
  wanDevices: { netns: string; ifname: string }[];
}

/** Everything `Lab.up` creates, computed without I/O. */
export interface LabPlan {
  runId: string;
  internetNetns: string;
  internetBridge: string;
  namespaces: { netns: string; role: NamespaceRole }[];
  bridges: { netns: string; name: string }[];
  links: [LinkEnd, LinkEnd][];
  addrs: { netns: string; ifname: string; cidr: string }[];
  routes: { netns: string; dest: string; via: string }[];
  sites: SitePlan[];
  hosts: HostPlan[];
}

/** Namespace name prefix shared by all runs; leftovers are recognised by it. */
export const NETNS_PREFIX = 'wkl-';

/** `wkl-<pid>-<seq>`: a run id that names its owner process. */
export function makeRunId(pid: number, seq: number): string {
  return `${NETNS_PREFIX}${pid}-${seq}`;
}

/** Parses a namespace or run-directory name back to its owning pid, or undefined if not a lab name. */
export function ownerOf(name: string): { runId: string; pid: number } | undefined {
  const m = /^wkl-(\d+)-(\d+)(?:-|$)/.exec(name);
  return m ? { runId: `wkl-${m[1]}-${m[2]}`, pid: Number(m[1]) } : undefined;
}

/** Computes the full plan for `spec` under `runId`. Throws TopologyError for a bad spec. */
export function planLab(spec: TopologySpec, runId: string): LabPlan {
  validateTopology(spec);
  const inet = `${runId}-inet`;
  const plan: LabPlan = {
    runId,
    internetNetns: inet,
    internetBridge: 'inet0',
    namespaces: [{ netns: inet, role: 'internet' }],
    bridges: [{ netns: inet, name: 'inet0' }],
    links: [],
    addrs: [],
    routes: [],
    sites: [],
    hosts: [],
  };
  let port = 0;
  const uplink = (netns: string, ifname: string, addrs: string[]): string => {
    const name = `p${port++}`;
    plan.links.push([{ netns: inet, ifname: name, bridge: 'inet0' }, { netns, ifname }]);
    for (const a of addrs) plan.addrs.push({ netns, ifname, cidr: `${a}/${INTERNET_PREFIX_LEN}` });
    return name;
  };
  const services: readonly ServiceName[] = spec.services ?? ['stun', 'relay', 'api'];
  for (const svc of services) {
    const netns = `${runId}-h-${svc}`;
    const addrs = [...SERVICE_ADDRS[svc]];
    plan.namespaces.push({ netns, role: 'service' });
    uplink(netns, 'eth0', addrs);
    plan.hosts.push({ name: svc, kind: 'service', netns, addrs, ifname: 'eth0' });
  }
  spec.sites.forEach((s, i) => {
    const index = i + 1;
    const members = [
      ...s.nodes.map((name, j) => ({ name, kind: 'node' as const, octet: 10 + j })),
      ...(s.hosts ?? []).map((name, j) => ({ name, kind: 'host' as const, octet: 100 + j })),
    ];
    const site: SitePlan = {
      name: s.name,
      index,
      nat: s.nat,
      carrier: s.carrier,
      publicCidr: `198.18.${index}.0/24`,
      lanCidr: s.nat === 'public' ? `198.18.${index}.0/24` : s.subnetPerMember ? `10.${index}.0.0/16` : `10.${index}.0.0/24`,
      uplinks: [],
      wanDevices: [],
    };
    plan.sites.push(site);
    if (s.nat === 'public') {
      for (const m of members) {
        const netns = `${runId}-h-${m.name}`;
        const addr = `198.18.${index}.${m.octet}`;
        plan.namespaces.push({ netns, role: m.kind });
        site.uplinks.push(uplink(netns, 'eth0', [addr]));
        site.wanDevices.push({ netns, ifname: 'eth0' });
        plan.hosts.push({ name: m.name, kind: m.kind, site: s.name, netns, addrs: [addr], ifname: 'eth0' });
      }
      return;
    }
    const rtr = `${runId}-r-${s.name}`;
    plan.namespaces.push({ netns: rtr, role: 'router' });
    plan.bridges.push({ netns: rtr, name: 'lan0' });
    // One segment, or one per member (the router is .1 of each).
    const segment = (j: number) => (s.subnetPerMember ? j : 0);
    for (let j = 0; j <= (s.subnetPerMember ? members.length - 1 : 0); j++) plan.addrs.push({ netns: rtr, ifname: 'lan0', cidr: `10.${index}.${j}.1/24` });
    const outerWan = `198.18.${index}.1`;
    if (s.carrier) {
      const cgn = `${runId}-c-${s.name}`;
      plan.namespaces.push({ netns: cgn, role: 'carrier' });
      site.uplinks.push(uplink(cgn, 'wan0', [outerWan]));
      site.wanDevices.push({ netns: cgn, ifname: 'wan0' });
      plan.links.push([{ netns: cgn, ifname: 'cgn0' }, { netns: rtr, ifname: 'wan0' }]);
      plan.addrs.push({ netns: cgn, ifname: 'cgn0', cidr: `100.64.${index}.1/24` });
      plan.addrs.push({ netns: rtr, ifname: 'wan0', cidr: `100.64.${index}.2/24` });
      plan.routes.push({ netns: rtr, dest: 'default', via: `100.64.${index}.1` });
      site.carrierRouter = { netns: cgn, nat: s.carrier, wanIf: 'wan0', wanAddr: outerWan, lanIf: 'cgn0', lanCidr: `100.64.${index}.0/24`, hairpin: false };
      site.router = { netns: rtr, nat: s.nat, wanIf: 'wan0', wanAddr: `100.64.${index}.2`, lanIf: 'lan0', lanCidr: site.lanCidr, hairpin: false, routeLan: s.subnetPerMember ?? false };
    } else {
      site.uplinks.push(uplink(rtr, 'wan0', [outerWan]));
      site.wanDevices.push({ netns: rtr, ifname: 'wan0' });
      site.router = { netns: rtr, nat: s.nat, wanIf: 'wan0', wanAddr: outerWan, lanIf: 'lan0', lanCidr: site.lanCidr, hairpin: s.hairpin ?? false, routeLan: s.subnetPerMember ?? false };
    }
    site.wanAddr = outerWan;
    members.forEach((m, j) => {
      const netns = `${runId}-h-${m.name}`;
      const addr = `10.${index}.${segment(j)}.${m.octet}`;
      plan.namespaces.push({ netns, role: m.kind });
      plan.links.push([{ netns: rtr, ifname: `n${j}`, bridge: 'lan0' }, { netns, ifname: 'eth0' }]);
      plan.addrs.push({ netns, ifname: 'eth0', cidr: `${addr}/24` });
      plan.routes.push({ netns, dest: 'default', via: `10.${index}.${segment(j)}.1` });
      plan.hosts.push({ name: m.name, kind: m.kind, site: s.name, netns, addrs: [addr], ifname: 'eth0' });
    });
  });
  return plan;
}
