/**
 * What `doctor` reads from a node, as plain data, and the adapter that reads it: iproute2's JSON
 * output (`ip -j`), /sys, /proc and the filesystem. Read-only: nothing here changes the node or
 * sends a packet (`ip route get` only asks the kernel which route it would pick).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** One `ip rule`. */
export interface RuleFact {
  priority: number;
  table: string;
  fwmark?: number;
  fwmask?: number;
  dst?: string;
  protocol?: string;
}

/** One route. */
export interface RouteFact {
  dst: string;
  dev?: string;
  gateway?: string;
  protocol?: string;
}

/** Everything `doctor` judges. Missing pieces are undefined, never guessed. */
export interface NodeFacts {
  tun: { exists: boolean; charDevice: boolean; readWrite: boolean };
  wireguard: { kernelModule: boolean; moduleAvailable: boolean; wireguardGo?: string };
  link?: { name: string; kind?: string; up: boolean; mtu: number };
  rules: RuleFact[];
  mainRoutes: RouteFact[];
  meshRoutes: RouteFact[];
  /** API server address and the route the kernel picks for it (unmarked traffic). */
  apiServer?: { host: string; ip?: string; route?: RouteFact; error?: string };
  sysctls: Record<string, string | undefined>;
  iptables?: string;
  /** True when some UDP socket is bound to the WireGuard port. */
  udpPortInUse: boolean;
}

/** Runs `ip -j <args>` and parses the JSON. */
export type IpJson = (args: string[]) => Promise<unknown[]>;

const run = promisify(execFile);

/** `ip -j` on this host, or inside network namespace `netns` (`ip -n`). */
export function ipJson(netns?: string): IpJson {
  return async (args) => {
    const { stdout } = await run('ip', [...(netns ? ['-n', netns] : []), '-j', ...args], { timeout: 5000 });
    return stdout.trim() ? (JSON.parse(stdout) as unknown[]) : [];
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'string' ? Number.parseInt(v, v.startsWith('0x') ? 16 : 10) : typeof v === 'number' ? v : undefined);

/** Parses `ip -j rule` entries. */
export function parseRules(raw: unknown[]): RuleFact[] {
  return (raw as Array<Record<string, unknown>>).map((r) => ({
    priority: Number(r.priority ?? 0),
    table: String(r.table ?? ''),
    ...(r.fwmark !== undefined && { fwmark: num(r.fwmark) }),
    ...(r.fwmask !== undefined && { fwmask: num(r.fwmask) }),
    ...(r.dst !== undefined && { dst: `${r.dst}${r.dstlen !== undefined ? `/${r.dstlen}` : ''}` }),
    ...(r.protocol !== undefined && { protocol: String(r.protocol) }),
  }));
}

/** Parses `ip -j route` entries. */
export function parseRoutes(raw: unknown[]): RouteFact[] {
  return (raw as Array<Record<string, unknown>>).map((r) => ({
    dst: String(r.dst ?? ''),
    ...(r.dev !== undefined && { dev: String(r.dev) }),
    ...(r.gateway !== undefined && { gateway: String(r.gateway) }),
    ...(r.protocol !== undefined && { protocol: String(r.protocol) }),
  }));
}

/** Where to look; defaults are the real node's. */
export interface GatherOptions {
  ip: IpJson;
  interfaceName: string;
  table: number;
  listenPort: number;
  /** API server host (from the kubeconfig), if known. */
  apiHost?: string;
  resolve(host: string): Promise<string>;
  root?: string;
  path?: string;
}

function which(bin: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Reads every fact; a fact that cannot be read stays empty rather than failing the whole run. */
export async function gatherNodeFacts(o: GatherOptions): Promise<NodeFacts> {
  const root = o.root ?? '/';
  const tunPath = join(root, 'dev/net/tun');
  const tunStat = existsSync(tunPath) ? statSync(tunPath) : undefined;
  let readWrite = false;
  try {
    accessSync(tunPath, constants.R_OK | constants.W_OK);
    readWrite = true;
  } catch {
    readWrite = false;
  }
  const release = readText(join(root, 'proc/sys/kernel/osrelease')) ?? '';
  const links = (await o.ip(['-d', 'link', 'show']).catch(() => [])) as Array<{ ifname: string; flags?: string[]; mtu?: number; linkinfo?: { info_kind?: string } }>;
  const link = links.find((l) => l.ifname === o.interfaceName);
  const api = o.apiHost ? await apiRoute(o, o.apiHost) : undefined;
  const iptablesBin = which('iptables', o.path ?? process.env.PATH ?? '');
  const iptables = iptablesBin ? await run(iptablesBin, ['-V'], { timeout: 5000 }).then((r) => r.stdout.trim(), () => undefined) : undefined;
  const portHex = o.listenPort.toString(16).toUpperCase().padStart(4, '0');
  const udp = [readText(join(root, 'proc/net/udp')) ?? '', readText(join(root, 'proc/net/udp6')) ?? ''].join('\n');
  return {
    tun: { exists: !!tunStat, charDevice: !!tunStat?.isCharacterDevice(), readWrite },
    wireguard: {
      kernelModule: existsSync(join(root, 'sys/module/wireguard')),
      moduleAvailable: existsSync(join(root, 'lib/modules', release, 'kernel/drivers/net/wireguard')),
      wireguardGo: which('wireguard-go', o.path ?? process.env.PATH ?? ''),
    },
    ...(link && { link: { name: link.ifname, kind: link.linkinfo?.info_kind, up: (link.flags ?? []).includes('UP'), mtu: link.mtu ?? 0 } }),
    rules: parseRules(await o.ip(['rule', 'show']).catch(() => [])),
    mainRoutes: parseRoutes(await o.ip(['route', 'show', 'table', 'main']).catch(() => [])),
    meshRoutes: parseRoutes(await o.ip(['route', 'show', 'table', String(o.table)]).catch(() => [])),
    ...(api && { apiServer: api }),
    sysctls: {
      'net.ipv4.ip_forward': readText(join(root, 'proc/sys/net/ipv4/ip_forward')),
      'net.ipv4.conf.all.src_valid_mark': readText(join(root, 'proc/sys/net/ipv4/conf/all/src_valid_mark')),
    },
    ...(iptables && { iptables }),
    udpPortInUse: udp.split('\n').some((l) => new RegExp(`^\\s*\\d+: [0-9A-F]+:${portHex} `).test(l)),
  };
}

async function apiRoute(o: GatherOptions, host: string): Promise<NonNullable<NodeFacts['apiServer']>> {
  let ip: string;
  try {
    ip = /^[\d.]+$/.test(host) ? host : await o.resolve(host);
  } catch (err) {
    return { host, error: `cannot resolve: ${(err as Error).message}` };
  }
  try {
    const [route] = parseRoutes(await o.ip(['route', 'get', ip]));
    return { host, ip, route };
  } catch (err) {
    return { host, ip, error: `no route: ${(err as Error).message.split('\n').at(-2) ?? ''}` };
  }
}
