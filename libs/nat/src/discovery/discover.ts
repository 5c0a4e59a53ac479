import type { Clock, Rng } from '@wirekube/util';
import { familiarType, type Dependence, type NatBehaviour } from '../nat/behaviour';
import { formatAddress, sameAddress, type TransportAddress } from '../net/address';
import type { UdpPort, UdpPortFactory } from '../net/udp-port';
import { bindingRequest, newTransactionId, readBindingResult, type BindingResult } from '../stun/binding';
import { StunClass } from '../stun/constants';
import { decodeStun, encodeStun } from '../stun/message';
import { inferAllocation, type PortSample } from './allocation';
import { stunTransaction, type StunReply } from './transaction';

/** Default overall budget of one discovery run. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 2000;
/** Default number of fresh mappings sampled for the allocation pattern. */
export const DEFAULT_ALLOCATION_SAMPLES = 5;

/** Inputs of {@link discoverNat}. */
export interface DiscoveryOptions {
  /** STUN servers (literal addresses). The first answering one with OTHER-ADDRESS drives RFC 5780 tests. */
  servers: readonly TransportAddress[];
  /** Opens the probing sockets. */
  open: UdpPortFactory;
  clock: Clock;
  rng: Rng;
  /** Local port of the primary probing socket; 0/absent = ephemeral. */
  localPort?: number;
  /** Local IP to bind. */
  bindIp?: string;
  /** Overall budget. Default {@link DEFAULT_DISCOVERY_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default {@link DEFAULT_ALLOCATION_SAMPLES}. 0 skips the allocation test. */
  allocationSamples?: number;
  /** This host's interface addresses; a mapped address among them means there is no NAT. */
  localAddresses?: () => readonly string[];
}

/** The outcome of one discovery run. */
export interface DiscoveryReport extends NatBehaviour {
  /** `rfc5780`, `multi-server` (plain STUN fallback) or `none` (no server answered). */
  method: 'rfc5780' | 'multi-server' | 'none';
  /** Unix ms when discovery finished. */
  probedAtMs: number;
  durationMs: number;
  /** One line per conclusion, saying what was observed. */
  notes: string[];
  /** Whether the NAT loops a packet sent to the socket's own mapped address back in; absent without a NAT. */
  hairpinning?: boolean;
}

interface Run {
  o: DiscoveryOptions;
  deadline: number;
  notes: string[];
  sockets: UdpPort[];
}

function remaining(run: Run): number {
  return Math.max(0, run.deadline - run.o.clock.monotonic());
}

async function bind(run: Run, port?: number): Promise<UdpPort> {
  const p = await run.o.open({ ...(run.o.bindIp && { ip: run.o.bindIp }), ...(port && { port }) });
  run.sockets.push(p);
  return p;
}

async function binding(run: Run, port: UdpPort, to: TransportAddress, change: { changeIp?: boolean; changePort?: boolean } = {}, capMs = 800): Promise<{ reply: StunReply; result: BindingResult } | undefined> {
  const req = bindingRequest({ transactionId: newTransactionId(run.o.rng), ...change });
  const reply = await stunTransaction(port, to, req, run.o.clock, { timeoutMs: Math.min(capMs, remaining(run)) });
  if (!reply || reply.message.cls !== StunClass.SuccessResponse) return undefined;
  const result = readBindingResult(reply.message);
  return result && { reply, result };
}

/**
 * Classifies the NAT in front of this host (RFC 5780 §4.3–4.4): mapping from Binding requests to
 * the primary and alternate addresses, filtering from CHANGE-REQUESTs on a socket that only
 * talked to the primary address (so earlier tests cannot have opened the filter), and the
 * allocation pattern from fresh mappings made one after another. Mapping, filtering and
 * allocation tests run concurrently to fit the budget. Without an RFC 5780 server, compares the
 * mapped addresses seen by ≥ 2 servers. Never throws for network silence: no answer at all
 * yields type `udp-blocked`. Closes every socket it opened.
 */
export async function discoverNat(o: DiscoveryOptions): Promise<DiscoveryReport> {
  const started = o.clock.monotonic();
  const run: Run = { o, deadline: started + (o.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS), notes: [], sockets: [] };
  try {
    const behaviour = await classify(run);
    return { ...behaviour, probedAtMs: o.clock.now(), durationMs: Math.round(o.clock.monotonic() - started), notes: run.notes };
  } finally {
    await Promise.all(run.sockets.map((s) => s.close()));
  }
}

async function classify(run: Run): Promise<Omit<DiscoveryReport, 'probedAtMs' | 'durationMs' | 'notes'>> {
  const { o, notes } = run;
  const main = await bind(run, o.localPort);
  const local = main.local;
  // Test I against every server at once: the first round trip also tells who is alive.
  const first = await Promise.all(o.servers.map((s) => binding(run, main, s, {}, 700)));
  const answered = o.servers.flatMap((s, i) => (first[i] ? [{ server: s, ...first[i]! }] : []));
  if (answered.length === 0) {
    notes.push(`no answer from ${o.servers.map(formatAddress).join(', ')}: UDP looks blocked`);
    return { type: 'udp-blocked', mapping: 'unknown', filtering: 'unknown', portPreserved: false, allocation: 'unknown', allocationDelta: 0, local, method: 'none' };
  }
  const primary = answered[0]!;
  const mapped = primary.result.mapped;
  const portPreserved = mapped.port === local.port;
  const localIps = new Set([local.ip, ...(o.localAddresses?.() ?? [])]);
  const noNat = localIps.has(mapped.ip) && portPreserved;
  notes.push(`mapped ${formatAddress(local)} → ${formatAddress(mapped)} via ${formatAddress(primary.server)}${noNat ? ' (a local address: no NAT)' : ''}`);

  // Started now so its wait overlaps the other tests.
  const hairpin = noNat ? Promise.resolve(undefined) : hairpinTest(run, main, mapped);
  const rfc5780 = answered.find((a) => a.result.other && a.result.other.ip !== a.server.ip && a.result.other.port !== a.server.port);
  const sampleServer = rfc5780?.server ?? primary.server;
  let mapping: Dependence;
  let filtering: Dependence;
  let allocation: { allocation: NatBehaviour['allocation']; delta: number; lastPort?: number };
  if (rfc5780) {
    const other = rfc5780.result.other!;
    notes.push(`${formatAddress(rfc5780.server)} offers RFC 5780 (OTHER-ADDRESS ${formatAddress(other)})`);
    // Order matters on a sequential allocator: the filtering socket makes its one mapping first,
    // then the allocation samples run back to back, then the mapping tests add theirs; the long
    // wait of the filtering test overlaps all of it.
    const filter = filteringTest(run, rfc5780.server);
    await filter.opened;
    allocation = await sampleAllocation(run, sampleServer);
    [mapping, filtering] = await Promise.all([mappingTest(run, main, rfc5780.server, rfc5780.result.mapped, other), filter.result]);
  } else {
    allocation = await sampleAllocation(run, sampleServer);
    mapping = multiServerMapping(run, answered);
    filtering = 'unknown';
    notes.push('no server offers CHANGE-REQUEST: filtering untested, planned as the most restrictive (address-and-port-dependent)');
  }
  if (noNat) mapping = 'none';
  const hairpinning = await hairpin;
  const type = familiarType(mapping, filtering === 'unknown' ? 'address-and-port-dependent' : filtering);
  return {
    type,
    mapping,
    filtering,
    portPreserved,
    allocation: allocation.allocation,
    allocationDelta: allocation.delta,
    ...(allocation.lastPort !== undefined && { allocationLastPort: allocation.lastPort }),
    mapped,
    local,
    method: rfc5780 ? 'rfc5780' : 'multi-server',
    ...(hairpinning !== undefined && { hairpinning }),
  };
}

async function mappingTest(run: Run, main: UdpPort, server: TransportAddress, m1: TransportAddress, other: TransportAddress): Promise<Dependence> {
  // RFC 5780 §4.3 test II: alternate IP, primary port.
  const t2 = await binding(run, main, { ip: other.ip, port: server.port });
  if (!t2) {
    run.notes.push(`mapping: no answer from ${other.ip}:${server.port}; mapping unknown`);
    return 'unknown';
  }
  if (sameAddress(t2.result.mapped, m1)) {
    run.notes.push(`mapping: same mapped address towards another IP → endpoint-independent`);
    return 'endpoint-independent';
  }
  // Test III: alternate IP and alternate port.
  const t3 = await binding(run, main, other);
  if (!t3) {
    run.notes.push(`mapping: no answer from ${formatAddress(other)}; at least address-dependent`);
    return 'address-dependent';
  }
  const portDependent = !sameAddress(t3.result.mapped, t2.result.mapped);
  run.notes.push(
    `mapping: ${formatAddress(m1)} / ${formatAddress(t2.result.mapped)} / ${formatAddress(t3.result.mapped)} towards A:P / B:P / B:P' → ${portDependent ? 'address-and-port-dependent' : 'address-dependent'}`,
  );
  return portDependent ? 'address-and-port-dependent' : 'address-dependent';
}

function filteringTest(run: Run, server: TransportAddress): { opened: Promise<unknown>; result: Promise<Dependence> } {
  // A fresh socket that has only ever sent to the primary address, so only the NAT's filtering
  // decides whether answers from the other IP/port get in (RFC 5780 §4.4).
  const opened = bind(run).then(async (port) => ({ port, t1: await binding(run, port, server) }));
  const result = opened.then(async ({ port, t1 }): Promise<Dependence> => {
    if (!t1) {
      run.notes.push('filtering: the primary server stopped answering; filtering unknown');
      return 'unknown';
    }
    // Both change requests at once; each answer comes from an address this socket never sent
    // to. The same bounded wait for both keeps the whole test under one timeout.
    const wait = Math.min(700, remaining(run) - 50);
    const [both, portOnly] = await Promise.all([binding(run, port, server, { changeIp: true, changePort: true }, wait), binding(run, port, server, { changePort: true }, wait)]);
    if (both) {
      run.notes.push(`filtering: answer from ${formatAddress(both.reply.from)} (other IP and port) got through → endpoint-independent`);
      return 'endpoint-independent';
    }
    if (portOnly) {
      run.notes.push(`filtering: only the answer from the same IP, other port (${formatAddress(portOnly.reply.from)}) got through → address-dependent`);
      return 'address-dependent';
    }
    run.notes.push(`filtering: no answer from another port within ${wait} ms → address-and-port-dependent`);
    return 'address-and-port-dependent';
  });
  return { opened, result };
}

/**
 * RFC 5780 §4.5: sends a Binding request from the socket to its own mapped address; the NAT
 * hairpins if that request comes back in on the same socket within the wait.
 */
async function hairpinTest(run: Run, main: UdpPort, mapped: TransportAddress): Promise<boolean> {
  const req = bindingRequest({ transactionId: newTransactionId(run.o.rng) });
  const wait = Math.min(500, remaining(run) - 50);
  const seen = await new Promise<boolean>((resolve) => {
    const off = main.onMessage((data) => {
      try {
        const m = decodeStun(data);
        if (m.cls === StunClass.Request && m.transactionId.equals(req.transactionId)) finish(true);
      } catch {
        // not ours: other traffic on the socket
      }
    });
    const timer = run.o.clock.setTimeout(() => finish(false), wait);
    const finish = (v: boolean) => {
      off();
      run.o.clock.clearTimeout(timer);
      resolve(v);
    };
    main.send(encodeStun(req), mapped).catch(() => finish(false));
  });
  run.notes.push(`hairpinning: a request to our own mapped address ${seen ? 'came back in' : `did not come back within ${wait} ms`}`);
  return seen;
}

function multiServerMapping(run: Run, answered: { server: TransportAddress; result: BindingResult }[]): Dependence {
  if (answered.length < 2) {
    run.notes.push('mapping: only one server answered and it lacks OTHER-ADDRESS; mapping unknown');
    return 'unknown';
  }
  const seen = answered.map((a) => `${formatAddress(a.server)}→${formatAddress(a.result.mapped)}`).join(', ');
  const ref = answered[0]!.result.mapped;
  if (answered.every((a) => sameAddress(a.result.mapped, ref))) {
    run.notes.push(`mapping: ${answered.length} servers saw the same address (${seen}) → endpoint-independent`);
    return 'endpoint-independent';
  }
  // Port dependence is only visible between two servers sharing an IP.
  const portDependent = answered.some((a) => answered.some((b) => a.server.ip === b.server.ip && a.server.port !== b.server.port && !sameAddress(a.result.mapped, b.result.mapped)));
  run.notes.push(`mapping: servers saw different addresses (${seen}) → ${portDependent ? 'address-and-port-dependent' : 'address-dependent (port dependence untestable)'}`);
  return portDependent ? 'address-and-port-dependent' : 'address-dependent';
}

async function sampleAllocation(run: Run, server: TransportAddress): Promise<{ allocation: NatBehaviour['allocation']; delta: number; lastPort?: number }> {
  const n = run.o.allocationSamples ?? DEFAULT_ALLOCATION_SAMPLES;
  const samples: PortSample[] = [];
  // One after another: the order of creation is what a sequential allocator follows.
  for (let i = 0; i < n && remaining(run) > 100; i++) {
    const port = await bind(run);
    const r = await binding(run, port, server, {}, 400);
    if (r) samples.push({ localPort: port.local.port, mappedPort: r.result.mapped.port });
  }
  const inference = inferAllocation(samples);
  run.notes.push(`allocation: ${inference.note}`);
  return inference;
}
