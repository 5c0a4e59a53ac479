import assert from 'node:assert/strict';
import { admitObject, type OpenApiSchema } from '@wirekube/kube-api';
import type { WireKubeGateway } from './gateway';
import type { WireKubeMesh } from './mesh';
import type { WireKubePeer } from './peer';
import { wireKubeGatewayCrd, wireKubeMeshCrd, wireKubePeerCrd, type CustomResourceDefinition } from './definitions';

const schemaOf = (crd: CustomResourceDefinition) => crd.spec.versions[0].schema.openAPIV3Schema as OpenApiSchema;
const admit = (crd: CustomResourceDefinition, obj: unknown) => {
  const copy = structuredClone(obj) as Record<string, unknown>;
  return { obj: copy, ...admitObject(schemaOf(crd), copy) };
};

// Fully populated objects typed with the TypeScript types: if a type gains a field the schema
// lacks, pruning reports it here; if the schema constrains a field differently, validation fails.
const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const T = '2026-01-01T00:00:00Z';
const fullPeer: WireKubePeer = {
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubePeer',
  metadata: { name: 'node-a' },
  spec: { publicKey: KEY, endpoint: '[2001:db8::1]:51822', allowedIPs: ['10.244.1.0/24', 'fd00::/64'], persistentKeepalive: 25 },
  status: {
    connected: true,
    natType: 'port-restricted-cone',
    nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPattern: 'preserving', portDelta: 0 },
    endpointDiscoveryMethod: 'stun',
    pathSummary: { direct: 1, relay: 1, none: 0 },
    paths: [
      { peer: 'node-b', path: 'direct', reason: 'cone↔cone: hole punched', endpoint: '198.51.100.2:51822', since: T, lastHandshake: T },
      { peer: 'node-c', path: 'relay', reason: 'port-restricted↔symmetric: direct impossible without port prediction' },
    ],
    pathsUpdatedAt: T,
    lastHandshake: T,
    rxBytes: 123,
    txBytes: 456,
    observedGeneration: 1,
    conditions: [{ type: 'Ready', status: 'True', reason: 'Connected', message: 'all peers reachable', lastTransitionTime: T, observedGeneration: 1 }],
  },
};
const fullMesh: WireKubeMesh = {
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubeMesh',
  metadata: { name: 'default' },
  spec: {
    listenPort: 51822,
    interfaceName: 'wire_kube',
    mtu: 'auto',
    stunServers: ['stun.l.example.com:19302', '192.0.2.1:3478'],
    meshCIDR: '10.250.0.0/16',
    autoAllowedIPs: { includeNodeInternalIP: true },
    routing: { excludeCIDRs: ['10.96.0.0/12'] },
    natTraversal: { birthdayAttack: 'enabled' },
    relay: { mode: 'always', endpoints: ['relay.example.com:3478'], transport: 'udp' },
  },
  status: { readyPeers: 2, totalPeers: 3, observedGeneration: 1, conditions: [] },
};
const fullGateway: WireKubeGateway = {
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubeGateway',
  metadata: { name: 'vpc' },
  spec: {
    peerRefs: ['node-a', 'node-b'],
    clientRefs: ['node-c'],
    routes: [{ cidr: '172.31.0.0/16', description: 'VPC' }],
    snat: { enabled: true, sourceIP: '10.0.1.5' },
    healthCheck: { target: '172.31.0.10:443', intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
  },
  status: {
    activePeer: 'node-a',
    ready: true,
    routesInjected: 1,
    peerHealth: [{ peer: 'node-a', healthy: true, consecutiveFailures: 0, lastProbe: T, reason: 'probe ok' }],
    lastHealthCheck: T,
    observedGeneration: 1,
    conditions: [],
  },
};

describe('CRD schemas agree with the TypeScript types', () => {
  for (const [crd, obj] of [
    [wireKubePeerCrd, fullPeer],
    [wireKubeMeshCrd, fullMesh],
    [wireKubeGatewayCrd, fullGateway],
  ] as const) {
    it(`a fully populated ${crd.spec.names.kind} is accepted unchanged`, () => {
      const r = admit(crd, obj);
      assert.deepEqual(r.causes, []);
      assert.deepEqual(r.unknownFields, []);
      assert.deepEqual(r.obj, obj);
    });
  }

  it('defaults from the schema fill a minimal mesh', () => {
    const r = admit(wireKubeMeshCrd, { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubeMesh', metadata: { name: 'default' }, spec: { stunServers: ['a.example:3478', 'b.example:3478'] } });
    assert.deepEqual(r.obj.spec, {
      stunServers: ['a.example:3478', 'b.example:3478'],
      listenPort: 51822,
      interfaceName: 'wire_kube',
      mtu: 1420,
      meshCIDR: '10.250.0.0/16',
      autoAllowedIPs: { includeNodeInternalIP: false },
      natTraversal: { birthdayAttack: 'disabled' },
      relay: { mode: 'auto', transport: 'tcp' },
    });
  });

  /** Sets `value` at a dotted path of a copy of `obj`. */
  const withValue = (obj: unknown, path: string, value: unknown) => {
    const copy = structuredClone(obj) as Record<string, unknown>;
    const keys = path.split('.');
    let cur = copy;
    for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
    cur[keys[keys.length - 1]] = value;
    return copy;
  };
  const rejected: Array<[string, CustomResourceDefinition, unknown, string, unknown, string]> = [
    ['a key that is not 32 bytes of base64', wireKubePeerCrd, fullPeer, 'spec.publicKey', 'abc=', 'spec.publicKey'],
    ['a CIDR with a /33', wireKubePeerCrd, fullPeer, 'spec.allowedIPs', ['10.0.0.0/33'], 'spec.allowedIPs[0]'],
    ['an endpoint without port', wireKubePeerCrd, fullPeer, 'spec.endpoint', '198.51.100.1', 'spec.endpoint'],
    ['an unknown NAT type', wireKubePeerCrd, fullPeer, 'status.natType', 'weird', 'status.natType'],
    ['one STUN server', wireKubeMeshCrd, fullMesh, 'spec.stunServers', ['a.example:1'], 'spec.stunServers'],
    ['port 0', wireKubeMeshCrd, fullMesh, 'spec.listenPort', 0, 'spec.listenPort'],
    ['MTU 9001', wireKubeMeshCrd, fullMesh, 'spec.mtu', 9001, 'spec.mtu'],
    ['an interface name over 15 chars', wireKubeMeshCrd, fullMesh, 'spec.interfaceName', 'a-very-long-name', 'spec.interfaceName'],
    ['a gateway without routes', wireKubeGatewayCrd, fullGateway, 'spec.routes', [], 'spec.routes'],
    ['a route without cidr', wireKubeGatewayCrd, fullGateway, 'spec.routes', [{ description: 'x' }], 'spec.routes[0].cidr'],
    ['a failure threshold of 11', wireKubeGatewayCrd, fullGateway, 'spec.healthCheck.failureThreshold', 11, 'spec.healthCheck.failureThreshold'],
  ];
  for (const [what, crd, base, path, value, field] of rejected) {
    it(`rejects ${what} at ${field}`, () => {
      const r = admit(crd, withValue(base, path, value));
      assert.deepEqual([...new Set(r.causes.map((c) => c.field))], [field]);
    });
  }
});
