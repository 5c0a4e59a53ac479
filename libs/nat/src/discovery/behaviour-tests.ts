// The individual behaviour tests of one discovery run (RFC 5780 §4.3–4.5 and the plain-STUN
// fallback). Each appends its observation to the run's notes and never throws for silence.
import type { Dependence, NatBehaviour } from '../nat/behaviour';
import { formatAddress, sameAddress, type TransportAddress } from '../net/address';
import type { UdpPort } from '../net/udp-port';
import { bindingRequest, newTransactionId, readBindingResult, type BindingResult } from '../stun/binding';
import { StunClass } from '../stun/constants';
import { decodeStun, encodeStun } from '../stun/message';
import { inferAllocation, type PortSample } from './allocation';
import type { DiscoveryOptions } from './discover';
import { stunTransaction, type StunReply } from './transaction';

/** State of one discovery run, shared by its tests. */
export interface Run {
  o: DiscoveryOptions;
  deadline: number;
  notes: string[];
  sockets: UdpPort[];
}

/** Milliseconds left of the run's budget. */
export function remaining(run: Run): number {
  return Math.max(0, run.deadline - run.o.clock.monotonic());
}

/** Opens a probing socket that the run closes at the end. */
export async function bind(run: Run, port?: number): Promise<UdpPort> {
  const p = await run.o.open({ ...(run.o.bindIp && { ip: run.o.bindIp }), ...(port && { port }) });
  run.sockets.push(p);
  return p;
}

/** One Binding transaction within the budget; undefined on silence or an error response. */
export async function binding(run: Run, port: UdpPort, to: TransportAddress, change: { changeIp?: boolean; changePort?: boolean } = {}, capMs = 800): Promise<{ reply: StunReply; result: BindingResult } | undefined> {
  const req = bindingRequest({ transactionId: newTransactionId(run.o.rng), ...change });
  const reply = await stunTransaction(port, to, req, run.o.clock, { timeoutMs: Math.min(capMs, remaining(run)) });
  if (!reply || reply.message.cls !== StunClass.SuccessResponse) return undefined;
  const result = readBindingResult(reply.message);
  return result && { reply, result };
}

export async function mappingTest(run: Run, main: UdpPort, server: TransportAddress, m1: TransportAddress, other: TransportAddress): Promise<Dependence> {
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

export function filteringTest(run: Run, server: TransportAddress): { opened: Promise<unknown>; result: Promise<Dependence> } {
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
export async function hairpinTest(run: Run, main: UdpPort, mapped: TransportAddress): Promise<boolean> {
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

export function multiServerMapping(run: Run, answered: { server: TransportAddress; result: BindingResult }[]): Dependence {
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

export async function sampleAllocation(run: Run, server: TransportAddress, n: number): Promise<{ allocation: NatBehaviour['allocation']; delta: number; lastPort?: number }> {
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
