/**
 * The endpoint that matters: which server-reflexive address of the WireGuard port itself a node
 * publishes (DESIGN §5).
 *
 * The problem: WireGuard owns UDP `listenPort`, so no STUN probe can be sent from it while the
 * device runs, and the stun-probe's ephemeral socket has its own mapping — behind a NAT that does
 * not preserve ports, or behind one NAT with two nodes on the same listen port, its port says
 * nothing about the WireGuard port's mapping. Three honest sources, strongest first:
 *
 * 1. **Observed** — the source address of our authenticated WireGuard packets as a peer on a
 *    direct path sees it (its WireGuard `endpoint` for us after roaming). That is the mapping by
 *    definition. Observations through a relay (loopback proxy) or of one of our own host addresses
 *    are not reflexive and are ignored; an observation whose IP is not our STUN public IP came
 *    through an inner NAT or a shared LAN and is ignored too. Peers that disagree on the port show
 *    a per-destination mapping: nothing is published then.
 * 2. **Pre-bind probe** — the agent runs STUN discovery from a socket bound to `listenPort` before
 *    the WireGuard device binds it (at device creation; not possible when adopting a running
 *    device). An endpoint-independent NAT keeps that mapping for WireGuard, which refreshes it
 *    with keepalives (the mapping outlives the few ms between closing the probe and the bind). Only
 *    valid for the network it was taken on: a network change (or a NAT reboot seen as a changed
 *    public IP) retires it.
 * 3. **Inferred** — an ephemeral-socket probe that found an endpoint-independent, port-preserving
 *    NAT suggests `publicIp:listenPort`. Published only when no other node behind the same public
 *    IP already claims that exact endpoint (a second node with the same listen port cannot have it:
 *    the NAT gave it another port, which only sources 1–2 can tell).
 *
 * The rest is WireGuard's own roaming: coordinated punching makes both WireGuard ports send at the
 * common start, so the first authenticated packets create and reveal the real mapping, and source 1
 * then corrects whatever 2–3 published. Pure: every input carries its time, nothing is probed here.
 */
import type { HostPort } from '../domain';
import { formatHostPort } from '../domain-host-port';

/** What one peer (or relay) saw as the source of our WireGuard packets, and when. */
export interface EndpointObservation {
  /** Observer (node name), for the reason. */
  by: string;
  endpoint: HostPort;
  atMs: number;
}

/** A STUN result: server-reflexive address of the probing socket and the NAT's mapping behaviour. */
export interface StunView {
  mapped?: HostPort;
  /** Local port of the probing socket. */
  localPort: number;
  mapping: 'none' | 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'unknown';
  portPreserved: boolean;
  udpBlocked: boolean;
  atMs: number;
}

/** Inputs of {@link reconcileWgEndpoint}. */
export interface WgEndpointInput {
  listenPort: number;
  nowMs: number;
  /** This node's own addresses (observations of them are host, not reflexive). */
  hostIps: readonly string[];
  /** The stun-probe's (ephemeral socket) latest report. */
  ephemeral?: StunView;
  /** The pre-bind probe of the WireGuard port, if one was taken. */
  preBind?: StunView;
  /** When the node last saw its network change (address/route change); older evidence is retired. */
  networkChangedAtMs: number;
  observations: readonly EndpointObservation[];
  /** Observations older than this are ignored. */
  observationMaxAgeMs: number;
  /** Endpoints other mesh nodes publish (to spot a same-NAT neighbour already holding `ip:listenPort`). */
  othersPublished: readonly HostPort[];
}

/** Which evidence the published endpoint rests on. */
export type WgEndpointSource = 'no-nat' | 'observed' | 'pre-bind' | 'inferred' | 'none';

/** What to publish as the node's WireGuard endpoint (and server-reflexive candidate), and why. */
export interface WgEndpointDecision {
  endpoint?: HostPort;
  source: WgEndpointSource;
  reason: string;
}

const same = (a: HostPort, b: HostPort) => a.host === b.host && a.port === b.port;
const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/**
 * Chooses the WireGuard port's published endpoint from the evidence, strongest first (see the
 * module comment). Pure and total: any combination of inputs yields a decision with a reason.
 */
export function reconcileWgEndpoint(i: WgEndpointInput): WgEndpointDecision {
  const stun = [i.preBind, i.ephemeral].find((s) => s && s.atMs >= i.networkChangedAtMs);
  if (stun?.udpBlocked) return { source: 'none', reason: 'UDP does not leave this network; reachable through the relay only' };
  if (stun?.mapping === 'address-dependent' || stun?.mapping === 'address-and-port-dependent') {
    // Each peer sees this node at another port: one peer's observation would mislead all others.
    return { source: 'none', reason: `the NAT maps per destination (${stun.mapping}): every peer sees the WireGuard port at another address, so none is published` };
  }
  const publicIp = stun?.mapped?.host;
  if (stun?.mapping === 'none' && publicIp) {
    return { endpoint: { host: publicIp, port: i.listenPort }, source: 'no-nat', reason: `no NAT: the WireGuard port is reachable as ${publicIp}:${i.listenPort}` };
  }
  const observed = reflexiveObservations(i, publicIp);
  const ports = new Map<string, EndpointObservation[]>();
  for (const o of observed) ports.set(formatHostPort(o.endpoint), [...(ports.get(formatHostPort(o.endpoint)) ?? []), o]);
  if (ports.size > 1) {
    const seen = [...ports.entries()].map(([e, os]) => `${os.map((o) => o.by).sort().join(',')} see ${e}`).sort();
    return { source: 'none', reason: `peers see the WireGuard port at different addresses (${seen.join('; ')}): the NAT maps per destination` };
  }
  const [agreed] = ports.values();
  const pre = i.preBind && i.preBind.atMs >= i.networkChangedAtMs && i.preBind.localPort === i.listenPort ? i.preBind : undefined;
  if (agreed?.[0]) {
    const e = agreed[0].endpoint;
    const by = agreed.map((o) => o.by).sort().join(', ');
    const note = pre?.mapped && !same(pre.mapped, e) ? `; the pre-bind probe had seen ${formatHostPort(pre.mapped)} (the NAT renewed the mapping)` : '';
    return { endpoint: e, source: 'observed', reason: `WireGuard packets arrive at ${by} from ${formatHostPort(e)}${note}` };
  }
  if (pre?.mapped && pre.mapping === 'endpoint-independent') {
    return { endpoint: pre.mapped, source: 'pre-bind', reason: `STUN from the WireGuard port before the device bound it: ${formatHostPort(pre.mapped)}, endpoint-independent mapping` };
  }
  if (pre?.mapped) return { source: 'none', reason: `the NAT maps the WireGuard port per destination (${pre.mapping}): no single endpoint to publish` };
  const eph = i.ephemeral && i.ephemeral.atMs >= i.networkChangedAtMs ? i.ephemeral : undefined;
  if (!eph?.mapped) return { source: 'none', reason: 'no STUN result for the current network yet' };
  if (eph.mapping !== 'endpoint-independent') return { source: 'none', reason: `the NAT maps per destination (${eph.mapping}): the WireGuard port's mapping cannot be known before a peer sees it` };
  if (!eph.portPreserved) return { source: 'none', reason: "the NAT does not preserve ports: the WireGuard port's external port is unknown until a peer sees it" };
  const guess = { host: eph.mapped.host, port: i.listenPort };
  const clash = i.othersPublished.find((o) => same(o, guess));
  if (clash) return { source: 'none', reason: `another node behind ${guess.host} already holds ${formatHostPort(guess)}: this node's WireGuard port got another external port` };
  return { endpoint: guess, source: 'inferred', reason: `assumed ${formatHostPort(guess)}: the NAT is endpoint-independent and preserved the probe's port` };
}

/** Fresh observations that can be our reflexive address: not relayed, not a host address, on our public IP. */
function reflexiveObservations(i: WgEndpointInput, publicIp: string | undefined): EndpointObservation[] {
  return i.observations.filter(
    (o) =>
      o.atMs >= i.networkChangedAtMs &&
      i.nowMs - o.atMs <= i.observationMaxAgeMs &&
      !isLoopback(o.endpoint.host) &&
      !i.hostIps.includes(o.endpoint.host) &&
      (publicIp === undefined || o.endpoint.host === publicIp),
  );
}
