import type { WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import type { HostPort } from '@wirekube/planner';
import { NatDependence, NatType, PortAllocation } from '@wirekube/proto';
import { nullLogger, seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { generatePrivateKey, publicKeyOf, WireGuardDevice, type WgKey } from '@wirekube/wg';
import { FakeWireGuardBackend } from '@wirekube/wg/testing';
import { FakeHost } from '@wirekube/host/testing';
import { ROUTE_TABLE } from '@wirekube/planner';
import { Agent, OWNED_RULE_PRIORITIES, type AgentDeps } from './agent';
import { MeshHost } from './host-net';
import { FakeMeshApi } from './fake-mesh-api';
import { natFactsOf } from './nat-report';
import type { PunchMode, RelayPort } from './relay-link';

/** The agent's timing defaults (its flags' defaults in config.ts), for agents built in tests and benchmarks. */
export const AGENT_TIMINGS = {
  statusRefreshMs: 30_000,
  statusMinGapMs: 1000,
  statsIntervalMs: 2000,
  adoptGraceMs: 5000,
  handshakeFreshMs: 180_000,
} as const;

/** A relay as the agent sees it, driven by the test: sessions, presence, proxy endpoints. */
export class FakeRelay implements RelayPort {
  up = false;
  readonly presentKeys = new Set<string>();
  readonly endpoints = new Map<string, HostPort>();
  readonly forgotten: string[] = [];
  private readonly fns = new Set<() => void>();

  /** `firstPort`: proxy ports are handed out from here (a restarted agent's differ). */
  constructor(private next = 40000) {}

  localUp(): boolean {
    return this.up;
  }
  present(key: Uint8Array): boolean {
    return this.up && this.presentKeys.has(Buffer.from(key).toString('base64'));
  }
  endpoint(key: Uint8Array): HostPort | undefined {
    return this.endpoints.get(Buffer.from(key).toString('base64'));
  }
  async open(key: Uint8Array): Promise<HostPort> {
    const id = Buffer.from(key).toString('base64');
    const e = this.endpoints.get(id) ?? { host: '127.0.0.1', port: this.next++ };
    this.endpoints.set(id, e);
    return e;
  }
  forget(key: Uint8Array): void {
    const id = Buffer.from(key).toString('base64');
    this.endpoints.delete(id);
    this.forgotten.push(id);
  }
  sessions(): string[] {
    return this.up ? ['relay-0'] : [];
  }
  onChange(fn: () => void): void {
    this.fns.add(fn);
  }
  readonly punchRequests: Array<{ key: string; punchId: string; mode: string }> = [];
  requestPunch(key: Uint8Array, req: { punchId: string; mode: PunchMode }): void {
    if (!this.present(key)) throw new Error('peer is not present on any relay replica');
    this.punchRequests.push({ key: Buffer.from(key).toString('base64'), punchId: req.punchId, mode: req.mode });
  }
  onPunchOffer(): void {}
  onPunchAnswer(): void {}
  /** Notifies the agent, as presence changes do. */
  changed(): void {
    for (const fn of this.fns) fn();
  }
  close(): void {}
}

/** Lets every pending promise chain and immediate finish (no real time passes in fakes). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** A node key pair. */
export function keyPair(): { priv: WgKey; pub: WgKey } {
  const priv = generatePrivateKey();
  return { priv, pub: publicKeyOf(priv) };
}

/** A valid WireKubeMesh object. */
export function meshObject(spec: Partial<WireKubeMesh['spec']> = {}): WireKubeMesh {
  return {
    apiVersion: 'wirekube.io/v1alpha1',
    kind: 'WireKubeMesh',
    metadata: { name: 'default' },
    spec: { stunServers: ['198.18.0.10:3478', '198.18.0.11:3478'], meshCIDR: '10.250.0.0/16', relay: { mode: 'auto', endpoints: ['198.18.0.20:3478'] }, ...spec },
  };
}

/** A remote node's WireKubePeer object. */
export function peerObject(name: string, publicKey: string, allowedIPs: string[]): WireKubePeer {
  return { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name }, spec: { publicKey, allowedIPs, persistentKeepalive: 25 } };
}

/** Everything one agent under test is wired to, all fakes. */
export interface Harness {
  agent: Agent;
  clock: FakeClock;
  api: FakeMeshApi;
  host: FakeHost;
  backend: FakeWireGuardBackend;
  relay: FakeRelay;
  keys: { priv: WgKey; pub: WgKey };
  natProbes: number;
}

/**
 * Builds an agent for node `a` over fakes. `prepare` may pre-populate state (e.g. what a previous
 * agent left behind) before the agent starts.
 */
export function harness(o: { api?: FakeMeshApi; host?: FakeHost; backend?: FakeWireGuardBackend; relay?: FakeRelay; keys?: { priv: WgKey; pub: WgKey }; overrides?: Partial<AgentDeps> } = {}): Harness {
  const clock = new FakeClock();
  const api = o.api ?? new FakeMeshApi();
  api.nodes.set('a', { uid: 'uid-a', internalIp: '10.1.0.10' });
  const host = o.host ?? new FakeHost();
  const backend = o.backend ?? new FakeWireGuardBackend();
  const relay = o.relay ?? new FakeRelay();
  const keys = o.keys ?? keyPair();
  const h: Harness = { clock, api, host, backend, relay, keys, natProbes: 0, agent: undefined as unknown as Agent };
  h.agent = new Agent({
    nodeName: 'a',
    meshName: 'default',
    privateKey: keys.priv,
    publicKey: keys.pub,
    api,
    host: new MeshHost(host, { table: ROUTE_TABLE, rulePriorities: OWNED_RULE_PRIORITIES }),
    async openDevice(iface) {
      // What wireguard-go does: the interface exists (down, default MTU) once the device is up.
      if (!host.links.has(iface)) host.addLink(iface, 1420);
      return { device: new WireGuardDevice({ backend }), backend: 'fake' };
    },
    openRelay: () => relay,
    async probeNat() {
      h.natProbes++;
      return natFactsOf({
        type: NatType.NAT_TYPE_SYMMETRIC,
        mapping: NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
        filtering: NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
        portPreserved: false,
        allocation: PortAllocation.PORT_ALLOCATION_RANDOM,
        allocationDelta: 0,
        mapped: { ip: '198.18.3.1', port: 61000 },
        local: { ip: '10.3.0.10', port: 50000 },
        method: 'stun',
        probedAtMs: 0,
        durationMs: 10,
        notes: [],
      });
    },
    apiServerIps: ['198.18.0.30'],
    clock,
    rng: seededRng(7),
    logger: nullLogger,
    ...AGENT_TIMINGS,
    ...o.overrides,
  });
  return h;
}
