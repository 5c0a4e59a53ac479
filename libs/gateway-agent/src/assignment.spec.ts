import { strict as assert } from 'node:assert';
import { GatewayRole, type GatewayAssignment } from '@wirekube/proto';
import { decodeAssignments, desiredGatewayHost, probeTasks } from './assignment';

function wire(over: Partial<GatewayAssignment>): GatewayAssignment {
  return {
    gateway: 'vpc',
    role: GatewayRole.GATEWAY_ROLE_ACTIVE,
    routes: ['10.100.0.0/24', '10.101.0.0/24'],
    snatEnabled: true,
    snatSourceIp: '',
    healthCheck: { target: '10.100.0.10:443', intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
    activePeer: 'ec2-a',
    snatSources: ['100.96.0.0/16'],
    ...over,
  };
}

describe('gateway assignments → host state', () => {
  it('ACTIVE forwards and masquerades every (source, route) pair', () => {
    const { tasks } = decodeAssignments({ revision: 1, gateways: [wire({})] });
    const host = desiredGatewayHost(tasks);
    assert.equal(host.forwarding, true);
    assert.deepEqual(host.snat, [
      { source: '100.96.0.0/16', destination: '10.100.0.0/24' },
      { source: '100.96.0.0/16', destination: '10.101.0.0/24' },
    ]);
    assert.deepEqual(host.routeViaMesh, []);
  });

  it('ACTIVE with a source IP uses SNAT to it; with SNAT disabled it only forwards', () => {
    const snat = desiredGatewayHost(decodeAssignments({ revision: 1, gateways: [wire({ snatSourceIp: '10.100.0.5', routes: ['10.100.0.0/24'] })] }).tasks);
    assert.deepEqual(snat.snat, [{ source: '100.96.0.0/16', destination: '10.100.0.0/24', toSource: '10.100.0.5' }]);
    const off = desiredGatewayHost(decodeAssignments({ revision: 1, gateways: [wire({ snatEnabled: false })] }).tasks);
    assert.equal(off.forwarding, true);
    assert.deepEqual(off.snat, []);
  });

  it('STANDBY installs nothing but probes; CLIENT routes via the active peer; EXCLUDED withholds', () => {
    const { tasks } = decodeAssignments({
      revision: 4,
      gateways: [
        wire({ gateway: 'a', role: GatewayRole.GATEWAY_ROLE_STANDBY }),
        wire({ gateway: 'b', role: GatewayRole.GATEWAY_ROLE_CLIENT, routes: ['10.200.0.0/16'], healthCheck: undefined, activePeer: 'ec2-b' }),
        wire({ gateway: 'c', role: GatewayRole.GATEWAY_ROLE_EXCLUDED, routes: ['10.250.0.0/16'], healthCheck: undefined }),
      ],
    });
    const host = desiredGatewayHost(tasks);
    assert.deepEqual(host, {
      forwarding: false,
      snat: [],
      routeViaMesh: [{ cidr: '10.200.0.0/16', via: 'ec2-b', gateway: 'b' }],
      withhold: ['10.250.0.0/16'],
    });
    assert.deepEqual(probeTasks(tasks), [{ gateway: 'a', probe: { target: '10.100.0.10:443', intervalMs: 2000, timeoutMs: 1000, failureThreshold: 3 } }]);
  });

  it('a CLIENT without an active peer routes nothing (no black hole towards nobody)', () => {
    const host = desiredGatewayHost(decodeAssignments({ revision: 1, gateways: [wire({ role: GatewayRole.GATEWAY_ROLE_CLIENT, activePeer: '' })] }).tasks);
    assert.deepEqual(host.routeViaMesh, []);
  });

  it('names assignments with a role it does not know instead of guessing', () => {
    const r = decodeAssignments({ revision: 1, gateways: [wire({ gateway: 'future', role: 99 as GatewayRole }), wire({})] });
    assert.deepEqual(r.unknown, ['future']);
    assert.equal(r.tasks.length, 1);
  });
});
