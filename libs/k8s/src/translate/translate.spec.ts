import assert from 'node:assert/strict';
import type { WireKubeGateway } from '../crd/gateway';
import type { WireKubeMesh } from '../crd/mesh';
import type { WireKubePeer } from '../crd/peer';
import { translateGateway, translateMesh, translatePeer } from './translate';

const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const mesh = (spec: Partial<WireKubeMesh['spec']>): WireKubeMesh => ({
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubeMesh',
  metadata: { name: 'default' },
  spec: { stunServers: ['stun.example.com:3478', '192.0.2.1:3478'], ...spec },
});
const peer = (spec: Partial<WireKubePeer['spec']>, extra: Partial<WireKubePeer> = {}): WireKubePeer => ({
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubePeer',
  metadata: { name: 'node-a' },
  spec: { publicKey: KEY, ...spec },
  ...extra,
});
const gateway = (spec: Partial<WireKubeGateway['spec']>): WireKubeGateway => ({
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubeGateway',
  metadata: { name: 'vpc' },
  spec: { peerRefs: ['node-a'], routes: [{ cidr: '172.31.0.0/16' }], ...spec },
});
const ctx = {
  nodeAddresses: new Map([
    ['node-a', ['10.0.1.5', '10.250.0.1']],
    ['node-b', ['192.168.7.2']],
  ]),
  otherGatewayRoutes: new Map([['other', ['10.99.0.0/16']]]),
};

describe('translation to domain types', () => {
  it('mesh: defaults applied, lists canonical', () => {
    const r = translateMesh(mesh({ routing: { excludeCIDRs: ['10.96.0.0/12', '10.0.0.0/16'] }, relay: { endpoints: ['[fd00::1]:3478'] } }));
    assert.deepEqual(r, {
      ok: true,
      value: {
        listenPort: 51822,
        interfaceName: 'wire_kube',
        mtu: 1420,
        stunServers: [
          { host: 'stun.example.com', port: 3478 },
          { host: '192.0.2.1', port: 3478 },
        ],
        meshCidr: '10.250.0.0/16',
        includeNodeInternalIp: false,
        excludeCidrs: ['10.0.0.0/16', '10.96.0.0/12'],
        birthdayAttack: false,
        relay: { mode: 'auto', endpoints: [{ host: 'fd00::1', port: 3478 }], transport: 'tcp' },
      },
    });
  });

  const meshProblems: Array<[string, Partial<WireKubeMesh['spec']>, string, string]> = [
    ['host bits in meshCIDR', { meshCIDR: '10.250.0.1/16' }, 'spec.meshCIDR', 'InvalidCIDR'],
    ['tiny meshCIDR', { meshCIDR: '10.250.0.0/31' }, 'spec.meshCIDR', 'InvalidCIDR'],
    ['overlapping excludes', { routing: { excludeCIDRs: ['10.0.0.0/8', '10.1.0.0/16'] } }, 'spec.routing.excludeCIDRs[1]', 'OverlappingCIDRs'],
    ['duplicate STUN server', { stunServers: ['a.example:3478', 'a.example:3478'] }, 'spec.stunServers[1]', 'DuplicateEntry'],
    ['bad STUN host', { stunServers: ['300.1.1.1:3478', 'a.example:3478'] }, 'spec.stunServers[0]', 'InvalidEndpoint'],
  ];
  for (const [name, spec, field, reason] of meshProblems) {
    it(`mesh refused: ${name}`, () => {
      const r = translateMesh(mesh(spec));
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual(r.problems.map((p) => [p.field, p.reason]), [[field, reason]]);
    });
  }

  it('peer: CIDRs canonical/sorted/deduplicated, NAT and annotation carried, deletion noticed', () => {
    const r = translatePeer(
      peer(
        { allowedIPs: ['10.244.1.0/24', '10.250.0.1/32', '2001:DB8::/64'], endpoint: '203.0.113.10:51822', persistentKeepalive: 0 },
        {
          metadata: { name: 'node-a', annotations: { 'wirekube.io/birthday-attack': 'enabled' }, deletionTimestamp: new Date(0) },
          status: { natType: 'symmetric', nat: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPattern: 'sequential', portDelta: 2 } },
        },
      ),
    );
    assert.deepEqual(r, {
      ok: true,
      value: {
        name: 'node-a',
        publicKey: KEY,
        endpoint: { host: '203.0.113.10', port: 51822 },
        allowedIps: ['10.244.1.0/24', '10.250.0.1/32', '2001:db8::/64'],
        persistentKeepaliveSec: 0,
        natType: 'symmetric',
        nat: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPattern: 'sequential', portDelta: 2 },
        birthdayAttack: true,
        terminating: true,
      },
    });
  });

  const peerProblems: Array<[string, Partial<WireKubePeer['spec']>, string, string]> = [
    ['overlapping AllowedIPs', { allowedIPs: ['10.244.0.0/16', '10.244.1.0/24'] }, 'spec.allowedIPs[1]', 'OverlappingCIDRs'],
    ['host bits in AllowedIPs', { allowedIPs: ['10.244.1.1/24'] }, 'spec.allowedIPs[0]', 'InvalidCIDR'],
    ['bad endpoint', { endpoint: 'host-only' }, 'spec.endpoint', 'InvalidEndpoint'],
    ['short key', { publicKey: 'AAAA' }, 'spec.publicKey', 'InvalidValue'],
  ];
  for (const [name, spec, field, reason] of peerProblems) {
    it(`peer refused: ${name}`, () => {
      const r = translatePeer(peer(spec));
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual(r.problems.map((p) => [p.field, p.reason]), [[field, reason]]);
    });
  }

  it('gateway: durations in ms, routes and clients sorted', () => {
    const r = translateGateway(
      gateway({ clientRefs: ['node-b', 'node-a'], routes: [{ cidr: '172.31.0.0/16', description: 'VPC' }, { cidr: '172.20.0.0/16' }], healthCheck: { target: '172.31.0.10:443', intervalSeconds: 2 } }),
      ctx,
    );
    assert.deepEqual(r, {
      ok: true,
      value: {
        name: 'vpc',
        candidates: ['node-a'],
        clients: ['node-a', 'node-b'],
        routes: [
          { cidr: '172.20.0.0/16', description: '' },
          { cidr: '172.31.0.0/16', description: 'VPC' },
        ],
        snat: { enabled: true },
        healthCheck: { target: '172.31.0.10:443', intervalMs: 2000, timeoutMs: 2000, failureThreshold: 3 },
      },
    });
  });

  const gwProblems: Array<[string, Partial<WireKubeGateway['spec']>, string, string]> = [
    ['route contains a node address', { routes: [{ cidr: '10.0.0.0/16' }] }, 'spec.routes[0].cidr', 'RouteCapturesNode'],
    ['route overlaps another gateway', { routes: [{ cidr: '10.99.1.0/24' }] }, 'spec.routes[0].cidr', 'RouteOverlapsGateway'],
    ['routes overlap each other', { routes: [{ cidr: '172.16.0.0/12' }, { cidr: '172.31.0.0/16' }] }, 'spec.routes[1]', 'OverlappingCIDRs'],
    ['unknown candidate', { peerRefs: ['ghost'] }, 'spec.peerRefs[0]', 'UnknownPeer'],
    ['duplicate candidate', { peerRefs: ['node-a', 'node-a'] }, 'spec.peerRefs[1]', 'DuplicateEntry'],
  ];
  for (const [name, spec, field, reason] of gwProblems) {
    it(`gateway refused: ${name}`, () => {
      const r = translateGateway(gateway(spec), ctx);
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual(r.problems.map((p) => [p.field, p.reason]), [[field, reason]]);
    });
  }
});
