import { strict as assert } from 'node:assert';
import { gatewayFixture, peerFixture } from './fixtures';
import { validateRoutes } from './routes';

const peers = [peerFixture('gw-a', '10.100.0.2'), peerFixture('gw-b', '10.100.0.3'), peerFixture('hybrid-1', '192.168.50.2')];

describe('gateway route validation', () => {
  it('accepts canonical routes and refuses each bad one with a precise reason', () => {
    const gw = gatewayFixture({
      routes: [{ cidr: '10.100.0.0/24' }, { cidr: '10.1.2.3/40' }, { cidr: 'bogus' }, { cidr: '192.168.0.0/16' }, { cidr: '100.96.5.0/24' }, { cidr: '10.100.0.0/24' }],
    });
    const v = validateRoutes([gw], peers, '100.96.0.0/16').get('vpc')!;
    assert.deepEqual(v.accepted, ['10.100.0.0/24']);
    assert.deepEqual(v.refused.map((r) => r.reason), ['InvalidCIDR', 'InvalidCIDR', 'RouteCapturesNodeAddress', 'RouteOverlapsMesh', 'DuplicateRoute']);
    assert.match(v.refused[2].message, /contains 192\.168\.50\.2, an address of node hybrid-1/);
  });

  it('a route may contain the candidates’ own addresses (the gateway lives in the routed network)', () => {
    assert.deepEqual(validateRoutes([gatewayFixture({ routes: [{ cidr: '10.100.0.0/16' }] })], peers).get('vpc')!.accepted, ['10.100.0.0/16']);
  });

  it('only clients count when clientRefs is set', () => {
    const gw = gatewayFixture({ routes: [{ cidr: '192.168.50.0/24' }], clientRefs: ['other'] });
    assert.deepEqual(validateRoutes([gw], [...peers, peerFixture('other', '172.16.0.9')]).get('vpc')!.accepted, ['192.168.50.0/24']);
  });

  it('the older gateway keeps an overlapping route; the newer one is told which gateway owns it', () => {
    const old = gatewayFixture({ name: 'zz-old', createdAtMs: 1, routes: [{ cidr: '10.100.0.0/16' }] });
    const young = gatewayFixture({ name: 'aa-new', createdAtMs: 2, routes: [{ cidr: '10.100.7.0/24' }, { cidr: '10.200.0.0/24' }] });
    const v = validateRoutes([young, old], peers);
    assert.deepEqual(v.get('zz-old')!.accepted, ['10.100.0.0/16']);
    assert.deepEqual(v.get('aa-new')!.accepted, ['10.200.0.0/24']);
    assert.equal(v.get('aa-new')!.refused[0].message, 'route 10.100.7.0/24 overlaps 10.100.0.0/16 of gateway zz-old, which was there first');
  });

  it('a gateway already carrying traffic keeps an overlapping route even against an older one', () => {
    const working = gatewayFixture({ name: 'b', createdAtMs: 5, previousActive: 'gw-a', routes: [{ cidr: '10.100.0.0/24' }] });
    const edited = gatewayFixture({ name: 'a', createdAtMs: 5, routes: [{ cidr: '10.100.0.0/16' }] });
    const v = validateRoutes([edited, working], peers);
    assert.deepEqual(v.get('b')!.accepted, ['10.100.0.0/24']);
    assert.equal(v.get('a')!.refused[0].reason, 'RouteOverlapsGateway');
  });
});
