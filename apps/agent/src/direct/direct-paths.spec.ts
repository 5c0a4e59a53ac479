import { strict as assert } from 'node:assert';
import type { HostPort, MeshConfig, MeshPeer } from '@wirekube/planner';
import { NatDependence, NatType, PortAllocation, type Candidate, type NatReport, type PunchAnswer } from '@wirekube/proto';
import type { IncomingPunch } from '@wirekube/relay-client';
import { nullLogger, seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { generatePrivateKey, publicKeyOf, type PeerStats, type WgKey } from '@wirekube/wg';
import type { PunchMode, RelayPort } from '../relay-link';
import { DirectPaths } from './direct-paths';
import type { LocalFacts } from './direct-types';

// Two agents' DirectPaths wired together: a relay that carries punch messages between them, and a
// network model in which a side receives WireGuard packets from the other once the other points its
// WireGuard at one of this side's addresses (what a punch opens). Everything the agent does for a
// direct path — offer, answer, punch with the WireGuard port, probes, proof — runs for real.

const MESH: MeshConfig = {
  listenPort: 51822, interfaceName: 'wire_kube', mtu: 1420, stunServers: [], meshCidr: '10.250.0.0/16', includeNodeInternalIp: false, excludeCidrs: [], birthdayAttack: false,
  relay: { mode: 'auto', endpoints: [{ host: '198.18.0.20', port: 3478 }], transport: 'tcp' },
};

const report = (type: NatType, mapped: string): NatReport => ({
  type,
  mapping: type === NatType.NAT_TYPE_UDP_BLOCKED ? NatDependence.NAT_DEPENDENCE_UNSPECIFIED : NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT,
  filtering: NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
  portPreserved: true,
  allocation: PortAllocation.PORT_ALLOCATION_PRESERVING,
  allocationDelta: 0,
  mapped: mapped ? { ip: mapped, port: 51822 } : undefined,
  local: undefined,
  method: 'rfc5780',
  probedAtMs: 0,
  durationMs: 0,
  notes: [],
});

interface Side {
  name: string;
  key: WgKey;
  meshIp: string;
  /** Addresses at which this side's WireGuard receives from the other side. */
  reachableAt: string[];
  /** Where this side's WireGuard sends to the other (as pointed or planned). */
  endpoint?: string;
  rx: number;
  offers: Array<(p: IncomingPunch) => void>;
  answers: Array<(a: PunchAnswer) => void>;
  paths?: DirectPaths;
  device?: { pointPeer(k: WgKey, e: string): Promise<void>; stats(): Promise<PeerStats[]> };
  relay: RelayPort;
  exchanges: string[];
}

function pair(clock: FakeClock, reachable: { a: string[]; b: string[] }) {
  const mk = (name: string, meshIp: string, reachableAt: string[]): Side => {
    const key = publicKeyOf(generatePrivateKey());
    return { name, key, meshIp, reachableAt, rx: 0, offers: [], answers: [], exchanges: [], relay: undefined as unknown as RelayPort };
  };
  const a = mk('a', '10.250.0.1', reachable.a);
  const b = mk('b', '10.250.0.2', reachable.b);
  const relayOf = (self: Side, other: Side, proxyPort: number): RelayPort => ({
    localUp: () => true,
    present: () => true,
    endpoint: () => ({ host: '127.0.0.1', port: proxyPort }),
    open: async () => ({ host: '127.0.0.1', port: proxyPort }),
    forget: () => {},
    sessions: () => ['relay-0'],
    onChange: () => {},
    close: () => {},
    onPunchOffer: (fn) => self.offers.push(fn),
    onPunchAnswer: (fn) => self.answers.push(fn),
    requestPunch(_key: Uint8Array, req: { punchId: string; candidates: Candidate[]; nat?: NatReport; mode: PunchMode }) {
      if (req.mode === 'candidates') self.exchanges.push(req.punchId);
      const startAtMs = clock.now() + 100;
      const offer = { from: Buffer.from(self.key.bytes()), punchId: req.punchId, candidates: req.candidates, nat: req.nat, mode: req.mode, startAtMs };
      clock.setTimeout(() => {
        for (const fn of other.offers) {
          fn({
            offer,
            answer: (ans) => {
              clock.setTimeout(() => self.answers.forEach((f) => f({ peer: Buffer.from(other.key.bytes()), punchId: req.punchId, accept: ans.accept, candidates: ans.candidates, nat: ans.nat, startAtMs, reason: ans.reason ?? '' })), 10);
              return true;
            },
          });
        }
      }, 10);
    },
  });
  a.relay = relayOf(a, b, 40001);
  b.relay = relayOf(b, a, 40002);
  const wire = (self: Side, other: Side) => {
    /** A packet from the other side arrives when the other's WireGuard sends to one of our addresses. */
    const delivered = () => other.endpoint !== undefined && self.reachableAt.includes(other.endpoint);
    self.device = {
        async pointPeer(_k: WgKey, e: string) {
          self.endpoint = e;
        },
        async stats(): Promise<PeerStats[]> {
          if (delivered()) {
            self.rx += 400;
            self.endpoint = other.reachableAt.find((x) => x === self.endpoint) ?? self.endpoint;
          }
          return [{ publicKey: other.key.toBase64(), ...(self.endpoint && { endpoint: self.endpoint }), lastHandshakeMs: clock.now() - 1000, rxBytes: self.rx, txBytes: self.rx + 1000 }];
        },
    };
    self.paths = new DirectPaths({
      nodeName: self.name,
      publicKey: self.key.toBase64(),
      relay: self.relay,
      device: () => self.device,
      sendProbe: (ip, seq) => {
        // The probe travels (and is answered) only when both WireGuards send to each other directly.
        if (ip === other.meshIp && delivered() && other.endpoint && self.endpoint && self.reachableAt.includes(other.endpoint) && other.reachableAt.includes(self.endpoint)) {
          clock.setTimeout(() => self.paths?.probeReply(other.meshIp, seq), 5);
        }
      },
      onPathChange: () => {
        // The agent writes the published endpoint (forced keys included) on every path change.
        const path = self.paths?.path(other.name)?.state;
        self.paths?.takeForced();
        if (path && path.kind !== 'down') self.endpoint = `${path.endpoint.host}:${path.endpoint.port}`;
      },
      clock,
      rng: seededRng(3),
      logger: nullLogger,
    });
  };
  wire(a, b);
  wire(b, a);
  const peerOf = (s: Side, natType: MeshPeer['natType'], endpoint?: HostPort): MeshPeer => ({ name: s.name, publicKey: s.key.toBase64(), allowedIps: [`${s.meshIp}/32`], persistentKeepaliveSec: 25, natType, terminating: false, ...(endpoint && { endpoint }) });
  return { a, b, peerOf };
}

/** Runs both agents for `ms`, feeding each its WireGuard counters every 50 ms as the agent does. */
async function run(clock: FakeClock, sides: Side[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    for (const s of sides) s.paths!.sample(await s.device!.stats());
    await clock.advance(50);
  }
}

describe('DirectPaths (the agent side of the path machines)', () => {
  it('port-restricted cones: punch through the relay, prove the path and publish it on both sides', async () => {
    const clock = new FakeClock();
    const { a, b, peerOf } = pair(clock, { a: ['198.18.1.1:51822'], b: ['198.18.2.1:51822'] });
    const localA: LocalFacts = { report: report(NatType.NAT_TYPE_PORT_RESTRICTED_CONE, '198.18.1.1'), wgEndpoint: { host: '198.18.1.1', port: 51822 }, hostIps: ['10.1.0.2'], localSubnets: ['10.1.0.2/24'] };
    const localB: LocalFacts = { report: report(NatType.NAT_TYPE_PORT_RESTRICTED_CONE, '198.18.2.1'), wgEndpoint: { host: '198.18.2.1', port: 51822 }, hostIps: ['10.2.0.2'], localSubnets: ['10.2.0.2/24'] };
    const nat = { natType: 'port-restricted-cone' as const, nat: { mapping: 'endpoint-independent' as const, filtering: 'address-and-port-dependent' as const, portPattern: 'preserving' as const, portDelta: 0 } };
    await a.paths!.sync(MESH, [{ ...peerOf(b, 'port-restricted-cone', { host: '198.18.2.1', port: 51822 }), ...nat }], new Map([['b', b.meshIp]]), localA);
    await b.paths!.sync(MESH, [{ ...peerOf(a, 'port-restricted-cone', { host: '198.18.1.1', port: 51822 }), ...nat }], new Map([['a', a.meshIp]]), localB);
    assert.equal(a.paths!.path('b')?.state.kind, 'relay', 'relay first');
    await run(clock, [a, b], 4000);
    const pa = a.paths!.path('b')!.state;
    const pb = b.paths!.path('a')!.state;
    assert.equal(pa.kind, 'direct', pa.reason);
    assert.equal(pb.kind, 'direct', pb.reason);
    assert.match(pa.reason, /^direct: handshake and traffic proven over 198\.18\.2\.1:51822 .*simultaneous punch/);
    assert.deepEqual(a.exchanges, [], 'no candidate exchange needed when the reports allow a punch');
    assert.deepEqual(a.paths!.counters.punches.direct, { won: 1, failed: 0 });
    assert.equal(a.paths!.counters.failovers, 0);
    a.paths!.close();
    b.paths!.close();
  });

  it('UDP blocked on both sides but one LAN: the candidate exchange finds the LAN and the pair goes direct', async () => {
    const clock = new FakeClock();
    const { a, b, peerOf } = pair(clock, { a: ['10.9.0.2:51822'], b: ['10.9.0.3:51822'] });
    const localA: LocalFacts = { report: report(NatType.NAT_TYPE_UDP_BLOCKED, ''), hostIps: ['10.9.0.2'], localSubnets: ['10.9.0.2/24'] };
    const localB: LocalFacts = { report: report(NatType.NAT_TYPE_UDP_BLOCKED, ''), hostIps: ['10.9.0.3'], localSubnets: ['10.9.0.3/24'] };
    await a.paths!.sync(MESH, [peerOf(b, 'udp-blocked')], new Map([['b', b.meshIp]]), localA);
    await b.paths!.sync(MESH, [peerOf(a, 'udp-blocked')], new Map([['a', a.meshIp]]), localB);
    assert.match(a.paths!.path('b')!.state.reason, /udp-blocked/);
    await run(clock, [a, b], 6000);
    assert.equal(a.exchanges.length, 1, 'one candidate exchange');
    const pa = a.paths!.path('b')!.state;
    assert.equal(pa.kind, 'direct', pa.reason);
    assert.match(pa.reason, /same LAN \(10\.9\.0\.0\/24\)/);
    assert.equal(b.paths!.path('a')!.state.kind, 'direct');
    a.paths!.close();
    b.paths!.close();
  });
});
