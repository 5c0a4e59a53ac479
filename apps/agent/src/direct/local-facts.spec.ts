import { strict as assert } from 'node:assert';
import type { WireKubePeer } from '@wirekube/k8s';
import { NatDependence, NatType, PortAllocation } from '@wirekube/proto';
import { natFactsOf } from '../nat-report';
import { observationsOf, wgEndpointOf } from './local-facts';

const peer = (name: string, paths: Array<{ peer: string; path: 'direct' | 'relay' | 'none'; endpoint?: string }>, at = '2026-11-21T10:00:00.000Z'): WireKubePeer => ({
  apiVersion: 'wirekube.io/v1alpha1',
  kind: 'WireKubePeer',
  metadata: { name },
  spec: { publicKey: 'k', allowedIPs: [] },
  status: { pathsUpdatedAt: at, paths: paths.map((p) => ({ ...p, reason: 'r' })) },
});

describe('the endpoint this node publishes (local facts)', () => {
  it('takes what peers on a direct path see of this node, and nothing else', () => {
    const obs = observationsOf(
      [
        peer('p1', [{ peer: 'me', path: 'direct', endpoint: '198.18.2.1:1024' }]),
        peer('p2', [{ peer: 'me', path: 'relay', endpoint: '127.0.0.1:40000' }]),
        peer('p3', [{ peer: 'other', path: 'direct', endpoint: '198.18.9.9:1' }]),
        peer('p4', [{ peer: 'me', path: 'direct', endpoint: 'not an endpoint' }]),
        peer('me', [{ peer: 'me', path: 'direct', endpoint: '1.2.3.4:5' }]),
      ],
      'me',
    );
    assert.deepEqual(obs, [{ by: 'p1', endpoint: { host: '198.18.2.1', port: 1024 }, atMs: Date.parse('2026-11-21T10:00:00.000Z') }]);
  });

  it('publishes the observed mapping of a second node behind one NAT with the same listen port', () => {
    const facts = natFactsOf({
      type: NatType.NAT_TYPE_PORT_RESTRICTED_CONE, mapping: NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT, filtering: NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
      portPreserved: true, allocation: PortAllocation.PORT_ALLOCATION_PRESERVING, allocationDelta: 0, mapped: { ip: '198.18.2.1', port: 40001 }, local: { ip: '10.2.0.3', port: 40001 },
      method: 'rfc5780', probedAtMs: 0, durationMs: 0, notes: [],
    });
    const now = Date.parse('2026-11-21T10:01:00.000Z');
    const base = { nodeName: 'me', listenPort: 51822, nowMs: now, startedAtMs: now - 120_000, hostIps: ['10.2.0.3'], nat: { facts, atMs: now - 60_000 }, others: [{ name: 'a-neighbour', publicKey: 'k', allowedIps: [], persistentKeepaliveSec: 0, natType: 'port-restricted-cone' as const, terminating: false, endpoint: { host: '198.18.2.1', port: 51822 } }] };
    // Without observations the inferred 198.18.2.1:51822 belongs to the neighbour: nothing is published.
    assert.equal(wgEndpointOf({ ...base, observations: [] }).endpoint, undefined);
    const seen = wgEndpointOf({ ...base, observations: observationsOf([peer('pub', [{ peer: 'me', path: 'direct', endpoint: '198.18.2.1:1024' }], '2026-11-21T10:00:30.000Z')], 'me') });
    assert.deepEqual(seen.endpoint, { host: '198.18.2.1', port: 1024 });
    assert.equal(seen.source, 'observed');
  });

  it('of two nodes inferring the same endpoint, the one that sorts first keeps it (no endless rewrite)', () => {
    const facts = natFactsOf({
      type: NatType.NAT_TYPE_PORT_RESTRICTED_CONE, mapping: NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT, filtering: NatDependence.NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT,
      portPreserved: true, allocation: PortAllocation.PORT_ALLOCATION_PRESERVING, allocationDelta: 0, mapped: { ip: '198.18.2.1', port: 40001 }, local: { ip: '10.2.0.3', port: 40001 },
      method: 'rfc5780', probedAtMs: 0, durationMs: 0, notes: [],
    });
    const now = 1_000_000;
    const claim = (name: string) => ({ name, publicKey: 'k', allowedIps: [], persistentKeepaliveSec: 0, natType: 'port-restricted-cone' as const, terminating: false, endpoint: { host: '198.18.2.1', port: 51822 } });
    const decide = (nodeName: string, other: string) => wgEndpointOf({ nodeName, listenPort: 51822, nowMs: now, startedAtMs: 0, hostIps: [], nat: { facts, atMs: now }, others: [claim(other)], observations: [] });
    assert.deepEqual(decide('a', 'b').endpoint, { host: '198.18.2.1', port: 51822 }, 'a sorts first and keeps its claim');
    assert.equal(decide('b', 'a').endpoint, undefined, 'b gives way');
  });
});
