import { join } from 'node:path';
import { WireKubeError } from '@wirekube/util';
import type { LabHost } from './host';
import type { LabProcess } from './process';

/** The plain-JS measuring tool run inside namespaces (see its header for the wire format). */
export const UDP_TOOL = join(__dirname, 'udp-tool.mjs');

/** Ports the reflector listens on (both UDP; TCP on the first). Away from STUN's 3478/3479. */
export const REFLECTOR_PORTS: readonly [number, number] = [7000, 7001];

/** A running reflector on a two-address host (normally `stun`). */
export interface Reflector {
  host: LabHost;
  proc: LabProcess;
  addrs: readonly [string, string];
  ports: readonly [number, number];
}

/** What a probe from one host observed, independent of the lab's own idea of its NAT. */
export interface NatObservation {
  /** Mapped `ip:port` as seen by each of the four reflector endpoints (null: no answer). */
  mapped: Record<string, string | null>;
  /** Local port of the mapping socket (to check port preservation). */
  localPort: number;
  /** Answers that reached a fresh socket: the requested one, one from another port, one from another address. */
  filtering: { control: boolean; changePort: boolean; changeIp: boolean };
}

/** RFC 4787 behaviours derived from an observation. */
export interface NatVerdict {
  udp: boolean;
  mapping?: 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
  filtering?: 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
  /** Port deltas between successive new mappings (sequential allocators give all +1). */
  portDeltas: number[];
  /** Public address seen by the reflector. */
  publicAddr?: string;
}

/** Starts the reflector on `host`'s two addresses and resolves once it is bound. */
export async function startReflector(host: LabHost): Promise<Reflector> {
  if (host.addrs.length < 2) throw new WireKubeError('LAB_REFLECTOR', `${host.name} needs two addresses, has ${host.addrs.length}`);
  const addrs = [host.addrs[0]!, host.addrs[1]!] as const;
  const proc = host.spawn([process.execPath, UDP_TOOL, 'reflect', addrs.join(','), REFLECTOR_PORTS.join(',')], { name: 'reflector' });
  await proc.waitForOutput(/^ready$/, 5000);
  return { host, proc, addrs, ports: REFLECTOR_PORTS };
}

/**
 * Runs the UDP probe from `host` against the reflector. `localPort` fixes the mapping socket's
 * port (default: any free port), e.g. to put two nodes behind one NAT on the same port.
 */
export async function observeNat(host: LabHost, r: Reflector, opts: { localPort?: number } = {}): Promise<NatObservation> {
  const port = opts.localPort ? ['--port', String(opts.localPort)] : [];
  const out = await host.exec([process.execPath, UDP_TOOL, 'probe', r.addrs[0], r.addrs[1], String(r.ports[0]), String(r.ports[1]), ...port]);
  return JSON.parse(out.stdout) as NatObservation;
}

/** Opens a TCP connection from `host` to the reflector; resolves with the mapped `ip:port` or null. */
export async function observeTcp(host: LabHost, r: Reflector): Promise<string | null> {
  const out = await host.exec([process.execPath, UDP_TOOL, 'probe', r.addrs[0], r.addrs[1], String(r.ports[0]), String(r.ports[1]), '--tcp']);
  return (JSON.parse(out.stdout) as { tcpMapped: string | null }).tcpMapped;
}

/** Derives mapping and filtering behaviour from an observation (pure). */
export function classifyObservation(o: NatObservation, r: Pick<Reflector, 'addrs' | 'ports'>): NatVerdict {
  const [a1, a2] = r.addrs;
  const [p1, p2] = r.ports;
  const at = (a: string, p: number) => o.mapped[`${a}:${p}`] ?? null;
  const base = at(a1, p1);
  const all = [base, at(a2, p1), at(a1, p2), at(a2, p2)];
  if (all.some((m) => m === null)) return { udp: false, portDeltas: [] };
  const ports = all.map((m) => Number(m!.split(':')[1]));
  const portDeltas = ports.slice(1).map((p, i) => p - ports[i]!);
  const mapping =
    at(a2, p1) === base && at(a1, p2) === base ? 'endpoint-independent' : at(a1, p2) === base ? 'address-dependent' : 'address-and-port-dependent';
  const f = o.filtering;
  const filtering = f.changeIp ? 'endpoint-independent' : f.changePort ? 'address-dependent' : 'address-and-port-dependent';
  return { udp: true, mapping, filtering, portDeltas, publicAddr: base!.split(':')[0] };
}

/** Result of {@link listenUdp}: datagrams received and their distinct sources. */
export interface UdpListenResult {
  count: number;
  from: string[];
}

/** A running UDP listener; see {@link listenUdp}. */
export interface UdpListener {
  /** Resolves when the window ends or {@link UdpListener.stop} is called. */
  result: Promise<UdpListenResult>;
  /** Ends the window now (after `graceMs` for packets still in flight) and resolves with the result. */
  stop(graceMs?: number): Promise<UdpListenResult>;
}

/**
 * Listens on UDP `port` in `host` for up to `ms` milliseconds (a supervised process); resolves once
 * the socket is bound. Await `result`, or call `stop()` once the sender is done.
 */
export async function listenUdp(host: LabHost, port: number, ms: number): Promise<UdpListener> {
  const proc = host.spawn([process.execPath, UDP_TOOL, 'listen', String(port), String(ms)], { name: `listen-${port}` });
  await proc.waitForOutput(/^ready$/, 5000);
  const result = proc.waitForOutput(/^(\{.*\})$/, ms + 5000).then((m) => JSON.parse(m[1]!) as UdpListenResult);
  return {
    result,
    async stop(graceMs = 100) {
      await new Promise((r) => setTimeout(r, graceMs));
      await proc.stop();
      return result;
    },
  };
}

/**
 * Sends `count` UDP datagrams (1 ms apart) from `host` to `addr:port` — to each address if given
 * several — from one socket, optionally bound to `srcPort`.
 */
export async function sendUdp(host: LabHost, addr: string | readonly string[], port: number, count: number, srcPort?: number): Promise<void> {
  const addrs = typeof addr === 'string' ? addr : addr.join(',');
  await host.exec([process.execPath, UDP_TOOL, 'send', addrs, String(port), String(count), ...(srcPort ? [String(srcPort)] : [])]);
}
