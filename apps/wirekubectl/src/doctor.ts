/**
 * Judges a node's {@link NodeFacts}: prerequisites (TUN, a WireGuard implementation, sysctls,
 * iptables), WireKube's own rules, and conflicts with what was there before — rules that would
 * catch WireGuard's marked packets first, mesh routes that shadow CNI routes, an API server path
 * that would go into the tunnel. Pure: the same facts always give the same findings.
 */
import { RULE_PRIORITY_API_SERVER, RULE_PRIORITY_FWMARK, RULE_PRIORITY_MESH, ROUTE_TABLE, WIREGUARD_FWMARK, cidrsOverlap, parseCidr, type Cidr } from '@wirekube/planner';
import type { NodeFacts, RuleFact } from './node-facts';

/** One line of the report. `fail` makes `doctor` exit 1. */
export interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'info';
  detail: string;
}

/** Interface names of the common CNIs' host-side devices. */
const CNI_DEVICE = /^(cilium_|lxc|cali|vxlan\.calico|tunl0|flannel|cni0|cbr0|weave|kube-bridge|eni|vethlocal|antrea|ovn-k8s)/;

function cidrOf(dst: string): Cidr | undefined {
  if (dst === 'default') return parseCidrOk('0.0.0.0/0');
  return parseCidrOk(dst.includes('/') ? dst : `${dst}/32`);
}
function parseCidrOk(s: string): Cidr | undefined {
  const p = parseCidr(s);
  return p.ok ? p.value : undefined;
}

const tableIs = (r: RuleFact, t: number) => r.table === String(t);
const isFwmarkRule = (r: RuleFact) => r.fwmark === WIREGUARD_FWMARK && r.table === 'main';
const isMeshRule = (r: RuleFact) => tableIs(r, ROUTE_TABLE) && !r.fwmark && !r.dst;

/** Every finding, in a fixed order. */
export function diagnose(f: NodeFacts, o: { interfaceName: string }): Finding[] {
  const out: Finding[] = [];
  const add = (check: string, status: Finding['status'], detail: string) => out.push({ check, status, detail });

  if (!f.tun.exists) add('tun', 'fail', '/dev/net/tun is missing: userspace WireGuard cannot create its device (modprobe tun; in a pod, mount it from the host)');
  else if (!f.tun.charDevice) add('tun', 'fail', '/dev/net/tun exists but is not a character device');
  else if (!f.tun.readWrite) add('tun', 'fail', '/dev/net/tun is not readable and writable by this user');
  else add('tun', 'ok', '/dev/net/tun is usable');

  if (f.wireguard.kernelModule) add('wireguard', 'ok', 'kernel WireGuard is loaded');
  else if (f.wireguard.wireguardGo) add('wireguard', 'ok', `no kernel WireGuard${f.wireguard.moduleAvailable ? ' loaded (modprobe wireguard would enable it)' : ''}; userspace ${f.wireguard.wireguardGo} will be used`);
  else if (f.wireguard.moduleAvailable) add('wireguard', 'warn', 'the wireguard module is available but not loaded and wireguard-go is not installed: modprobe wireguard');
  else add('wireguard', 'fail', 'neither kernel WireGuard nor wireguard-go is available: install wireguard-go or a kernel with WireGuard (5.6+)');

  if (!f.link) add('interface', 'info', `${o.interfaceName} does not exist (the agent has not run here, or it was cleaned up)`);
  else add('interface', f.link.up ? 'ok' : 'warn', `${o.interfaceName} is ${f.link.up ? 'up' : 'DOWN'} (${f.link.kind ?? 'unknown kind'}, mtu ${f.link.mtu})`);

  for (const [key, why] of [
    ['net.ipv4.conf.all.src_valid_mark', 'fwmark-based routing of WireGuard replies'],
    ['net.ipv4.ip_forward', 'pod and gateway traffic through the mesh'],
  ] as const) {
    const v = f.sysctls[key];
    add('sysctl', v === '1' ? 'ok' : 'warn', v === '1' ? `${key}=1` : `${key}=${v ?? '?'}: needed for ${why} (the agent's init container sets it)`);
  }

  add('iptables', f.iptables ? 'ok' : 'warn', f.iptables ? f.iptables : 'iptables not found: gateway SNAT cannot be installed on this node');

  rules(f, add);
  routes(f, o, add);
  apiPath(f, o, add);

  if (f.udpPortInUse && !f.link) add('port', 'warn', 'something already listens on the WireGuard UDP port while no WireKube interface exists: another WireGuard or VPN?');
  return out;
}

function rules(f: NodeFacts, add: (c: string, s: Finding['status'], d: string) => void): void {
  const fw = f.rules.find(isFwmarkRule);
  const mesh = f.rules.find(isMeshRule);
  if (!fw && !mesh) add('rules', 'info', 'no WireKube ip rules installed');
  else {
    if (!fw) add('rules', 'fail', `the mesh rule exists without "fwmark 0x${WIREGUARD_FWMARK.toString(16)} lookup main": WireGuard's own packets would loop into the tunnel`);
    else if (mesh && fw.priority >= mesh.priority) add('rules', 'fail', `the fwmark bypass (priority ${fw.priority}) must come before the mesh rule (priority ${mesh.priority})`);
    else add('rules', 'ok', `fwmark bypass at ${fw.priority}${mesh ? `, mesh table ${ROUTE_TABLE} at ${mesh.priority}` : ', no mesh rule yet'}`);
  }
  for (const r of f.rules) {
    if (isFwmarkRule(r) || isMeshRule(r) || r.table === 'local' || r.table === 'default' || (r.table === 'main' && r.priority >= 32766)) continue;
    const mask = r.fwmask ?? 0xffffffff;
    if (r.fwmark !== undefined && r.priority < (fw?.priority ?? RULE_PRIORITY_FWMARK) && (WIREGUARD_FWMARK & mask) === r.fwmark && r.table !== 'main') {
      add('rules', 'fail', `rule ${r.priority} (fwmark 0x${r.fwmark.toString(16)}/0x${mask.toString(16)} → ${r.table}) catches WireGuard's marked packets before WireKube's bypass`);
    }
    if (tableIs(r, ROUTE_TABLE) && !(r.dst && r.table === 'main')) {
      add('rules', 'warn', `rule ${r.priority} also uses table ${ROUTE_TABLE}; another tool shares WireKube's table`);
    }
    if ([RULE_PRIORITY_FWMARK, RULE_PRIORITY_API_SERVER, RULE_PRIORITY_MESH].includes(r.priority) && !(r.table === 'main' && r.dst)) {
      add('rules', 'warn', `priority ${r.priority} is also used by a rule to table ${r.table}; the kernel orders equal priorities by insertion`);
    }
  }
}

function routes(f: NodeFacts, o: { interfaceName: string }, add: (c: string, s: Finding['status'], d: string) => void): void {
  const cni = f.mainRoutes.filter((r) => r.dev && CNI_DEVICE.test(r.dev) && r.dst !== 'default');
  let clashes = 0;
  for (const m of f.meshRoutes) {
    const mc = cidrOf(m.dst);
    if (!mc) continue;
    if (m.dev && m.dev !== o.interfaceName) add('routes', 'warn', `table ${ROUTE_TABLE} has ${m.dst} via ${m.dev}, not ${o.interfaceName}: not installed by WireKube`);
    for (const c of cni) {
      const cc = cidrOf(c.dst);
      if (cc && cidrsOverlap(mc, cc)) {
        clashes++;
        add('routes', 'fail', `mesh route ${m.dst} overlaps CNI route ${c.dst} dev ${c.dev}: the mesh rule (priority ${RULE_PRIORITY_MESH}) is consulted before main, so that pod traffic would enter the tunnel (remove the CIDR from the peer's allowedIPs, or add it to routing.excludeCIDRs)`);
      }
    }
  }
  if (!clashes) add('routes', 'ok', `${f.meshRoutes.length} mesh routes, none overlapping the ${cni.length} CNI routes`);
}

function apiPath(f: NodeFacts, o: { interfaceName: string }, add: (c: string, s: Finding['status'], d: string) => void): void {
  const api = f.apiServer;
  if (!api) {
    add('api-server', 'info', 'API server address unknown (no kubeconfig): path not checked');
    return;
  }
  if (api.error || !api.ip) {
    add('api-server', 'fail', `${api.host}: ${api.error ?? 'no address'}`);
    return;
  }
  if (api.route?.dev === o.interfaceName) {
    add('api-server', 'fail', `traffic to the API server ${api.ip} goes into ${o.interfaceName}: if the mesh fails, the node loses its control plane`);
    return;
  }
  const apiCidr = cidrOf(api.ip);
  const captured = f.meshRoutes.find((m) => {
    const c = cidrOf(m.dst);
    return c && apiCidr && cidrsOverlap(c, apiCidr);
  });
  const pinned = f.rules.some((r) => r.table === 'main' && r.dst === `${api.ip}/32`);
  if (captured && !pinned) add('api-server', 'fail', `mesh route ${captured.dst} covers the API server ${api.ip} and no "to ${api.ip}/32 lookup main" rule protects it`);
  else add('api-server', 'ok', `${api.host} (${api.ip}) via ${api.route?.dev ?? '?'}${api.route?.gateway ? ` gw ${api.route.gateway}` : ''}${pinned ? ', pinned to main' : ''}`);
}

