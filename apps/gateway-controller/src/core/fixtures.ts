import type { ControllerSnapshot, GatewayInput, HealthEntry, PeerInput } from './model';

/** A gateway with two candidates and one route, as most specs start from. */
export function gatewayFixture(over: Partial<GatewayInput> = {}): GatewayInput {
  return {
    name: 'vpc',
    generation: 1,
    createdAtMs: 1_000,
    peerRefs: ['gw-a', 'gw-b'],
    clientRefs: [],
    routes: [{ cidr: '10.100.0.0/24' }],
    snat: { enabled: true },
    healthCheck: { target: '10.100.0.10:80', intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
    previousActive: '',
    ...over,
  };
}

/** A peer with one node address. */
export function peerFixture(name: string, address: string, over: Partial<PeerInput> = {}): PeerInput {
  return { name, allowedIPs: [`${address}/32`], injected: {}, addresses: [address], ...over };
}

/** A fresh report received at `atMs`. */
export function report(atMs: number, failures = 0, threshold = 3): HealthEntry {
  return { healthy: failures < threshold, consecutiveFailures: failures, detail: failures ? 'connect timeout' : 'connected', latencyMs: 2, probedAtMs: atMs, receivedAtMs: atMs };
}

/** A snapshot of gateway `vpc` with peers gw-a, gw-b (VPC side) and hybrid-1 (behind NAT). */
export function snapshotFixture(over: Partial<ControllerSnapshot> = {}): ControllerSnapshot {
  return {
    nowMs: 100_000,
    leaderSinceMs: 0,
    meshCidr: '100.96.0.0/16',
    gateways: [gatewayFixture()],
    peers: [peerFixture('gw-a', '10.100.0.2'), peerFixture('gw-b', '10.100.0.3'), peerFixture('hybrid-1', '192.168.50.2')],
    health: new Map(),
    connectedAgents: new Set(),
    ...over,
  };
}
