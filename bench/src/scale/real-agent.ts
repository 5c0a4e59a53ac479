// One REAL agent's control plane for the scale benchmark: the `Agent` class of apps/agent with
// `KubeMeshApi` (client-node informers over HTTP) against the API test double, a recording
// in-memory WireGuard backend, the in-memory host (through the agent's own MeshHost), and a relay
// on which every peer is present (so every peer gets a proxy endpoint and routes, as in a
// relay-first mesh). Only the device, the host and the relay are fakes.
import { NatDependence, NatType, PortAllocation } from '@wirekube/proto';
import { ROUTE_TABLE } from '@wirekube/planner';
import { cryptoRng, nullLogger, systemClock } from '@wirekube/util';
import { generatePrivateKey, publicKeyOf, WireGuardDevice } from '@wirekube/wg';
import { FakeHost } from '@wirekube/host/testing';
import type { DeviceState, DeviceUpdate, PeerState, WireGuardBackend } from '@wirekube/wg';
// Apps are not importable as packages (Nx forbids it); the benchmark runs the agent's own classes,
// so it imports them by path, deliberately.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { Agent, OWNED_RULE_PRIORITIES } from '../../../apps/agent/src/agent';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { AGENT_TIMINGS, FakeRelay } from '../../../apps/agent/src/agent-harness';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { MeshHost } from '../../../apps/agent/src/host-net';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { KubeMeshApi } from '../../../apps/agent/src/kube-mesh-api';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { natFactsOf } from '../../../apps/agent/src/nat-report';
import { kubeConfigFor } from './fixtures';

/**
 * An in-memory WireGuard device for many peers (maps, not the unit-test fake's linear scans, whose
 * O(N²) adds would dominate the figures) with the kernel's semantics for what the agent sends:
 * `replaceAllowedIps`, a prefix owned by one peer, `updateOnly`. It plays WireGuard's handshake (a
 * peer with an endpoint has a fresh one, as it would within a round trip, so the agent's stalled-
 * handshake nudge does not re-create every simulated peer) and calls `onAdded` with every key the
 * first time a `set` adds it.
 */
export class RecordingBackend implements WireGuardBackend {
  readonly kind = 'fake' as const;
  readonly iface = 'wire_kube';
  private readonly peers = new Map<string, PeerState>();
  private readonly owner = new Map<string, string>();
  private readonly everSeen = new Set<string>();
  private device: Omit<DeviceState, 'peers'> = { listenPort: 0, fwmark: 0 };

  constructor(private readonly onAdded: (key: string) => void) {}

  async get(): Promise<DeviceState> {
    const now = Date.now();
    return { ...this.device, peers: [...this.peers.values()].map((p) => ({ ...p, allowedIps: [...p.allowedIps], ...(p.endpoint && { lastHandshakeMs: now - 5000 }) })) };
  }

  async set(u: DeviceUpdate): Promise<void> {
    if (u.privateKey) this.device.privateKey = u.privateKey;
    if (u.listenPort !== undefined) this.device.listenPort = u.listenPort;
    if (u.fwmark !== undefined) this.device.fwmark = u.fwmark;
    for (const pu of u.peers) {
      const key = pu.publicKey.toBase64();
      let p = this.peers.get(key);
      if (pu.remove) {
        for (const ip of p?.allowedIps ?? []) this.owner.delete(ip);
        this.peers.delete(key);
        continue;
      }
      if (!p && pu.updateOnly) continue;
      if (!p) {
        p = { publicKey: pu.publicKey, allowedIps: [], persistentKeepaliveSec: 0, lastHandshakeMs: 0, rxBytes: 0, txBytes: 0 };
        this.peers.set(key, p);
      }
      if (!this.everSeen.has(key)) {
        this.everSeen.add(key);
        this.onAdded(key);
      }
      if (pu.endpoint !== undefined) p.endpoint = pu.endpoint;
      if (pu.persistentKeepaliveSec !== undefined) p.persistentKeepaliveSec = pu.persistentKeepaliveSec;
      if (pu.replaceAllowedIps) {
        for (const ip of p.allowedIps) this.owner.delete(ip);
        p.allowedIps = [];
      }
      for (const ip of pu.allowedIps ?? []) {
        const prev = this.owner.get(ip);
        if (prev && prev !== key) {
          const other = this.peers.get(prev);
          if (other) other.allowedIps = other.allowedIps.filter((x) => x !== ip);
        }
        this.owner.set(ip, key);
        if (!p.allowedIps.includes(ip)) p.allowedIps.push(ip);
      }
    }
  }

  async close(): Promise<void> {}

  /** Whether the peer `key` (base64) has AllowedIP `cidr` in the device now. */
  allows(key: string, cidr: string): boolean {
    return this.peers.get(key)?.allowedIps.includes(cidr) ?? false;
  }

  /** Peers in the device now. */
  get peerCount(): number {
    return this.peers.size;
  }
}

/** A relay with a session up on which every peer is present. */
class OpenRelay extends FakeRelay {
  constructor() {
    super(20000);
    this.up = true;
  }
  override present(): boolean {
    return true;
  }
}

/** A running real agent and how to stop it. */
export interface RealAgent {
  name: string;
  agent: Agent;
  api: KubeMeshApi;
  /** Peers in its WireGuard device now. */
  devicePeers(): number;
  /** Whether its WireGuard device gives peer `key` (base64) the AllowedIP `cidr`. */
  deviceAllows(key: string, cidr: string): boolean;
  close(): Promise<void>;
}

/** Starts the real agent `name` against the API at `url`; `onAdded` sees every peer key its device gains. */
export async function startRealAgent(url: string, name: string, onAdded: (key: string) => void = () => {}): Promise<RealAgent> {
  const api = new KubeMeshApi(kubeConfigFor(url), { clock: systemClock, rng: cryptoRng, logger: nullLogger });
  const backend = new RecordingBackend(onAdded);
  const host = new FakeHost();
  const priv = generatePrivateKey();
  // Each node its own public address (the same mapped address on two nodes would be a lab error).
  const mappedIp = `198.18.${3 + (publicKeyOf(priv).bytes()[0]! >> 6)}.${1 + (publicKeyOf(priv).bytes()[1]! % 250)}`;
  const agent = new Agent({
    nodeName: name,
    meshName: 'default',
    privateKey: priv,
    publicKey: publicKeyOf(priv),
    api,
    host: new MeshHost(host, { table: ROUTE_TABLE, rulePriorities: OWNED_RULE_PRIORITIES }),
    async openDevice(iface) {
      if (!host.links.has(iface)) host.addLink(iface, 1420);
      return { device: new WireGuardDevice({ backend }), backend: 'recording' };
    },
    openRelay: () => new OpenRelay(),
    probeNat: async () =>
      natFactsOf({
        type: NatType.NAT_TYPE_PORT_RESTRICTED_CONE,
        mapping: NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT,
        filtering: NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
        portPreserved: true,
        allocation: PortAllocation.PORT_ALLOCATION_PRESERVING,
        allocationDelta: 0,
        mapped: { ip: mappedIp, port: 51822 },
        local: { ip: '10.3.0.10', port: 51822 },
        method: 'stun',
        probedAtMs: 0,
        durationMs: 10,
        notes: [],
      }),
    apiServerIps: ['127.0.0.1'],
    clock: systemClock,
    rng: cryptoRng,
    logger: nullLogger,
    ...AGENT_TIMINGS,
  });
  await api.start();
  agent.start();
  return {
    name,
    agent,
    api,
    devicePeers: () => backend.peerCount,
    deviceAllows: (key, cidr) => backend.allows(key, cidr),
    async close() {
      agent.close();
      await api.close();
    },
  };
}
