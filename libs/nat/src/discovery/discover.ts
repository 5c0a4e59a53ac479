import type { Clock, Rng } from '@wirekube/util';
import { familiarType, type Dependence, type NatBehaviour } from '../nat/behaviour';
import { formatAddress, type TransportAddress } from '../net/address';
import type { UdpPortFactory } from '../net/udp-port';
import { bind, binding, filteringTest, hairpinTest, mappingTest, multiServerMapping, sampleAllocation, type Run } from './behaviour-tests';

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
  // Test I against every server at once: the first round trip also tells who is alive. It may use
  // most of the budget (retransmits at 0, 100, 300, 700 ms): a reachable server answers in
  // milliseconds, and calling UDP blocked after one lost burst on a busy or just-booted path is wrong.
  const first = await Promise.all(o.servers.map((s) => binding(run, main, s, {}, 1500)));
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
  const samples = o.allocationSamples ?? DEFAULT_ALLOCATION_SAMPLES;
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
    allocation = await sampleAllocation(run, sampleServer, samples);
    [mapping, filtering] = await Promise.all([mappingTest(run, main, rfc5780.server, rfc5780.result.mapped, other), filter.result]);
  } else {
    allocation = await sampleAllocation(run, sampleServer, samples);
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

