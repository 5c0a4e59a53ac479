import { strict as assert } from 'node:assert';
import { gatewayFixture, peerFixture, report, snapshotFixture } from './fixtures';
import type { HealthEntry } from './model';
import { planGateways } from './plan';
import { gatewayStatus } from './status';

const health = (entries: Record<string, HealthEntry>) => new Map([['vpc', new Map(Object.entries(entries))]]);
const t = 100_000;

describe('planGateways: injection, demotion, assignments', () => {
  it('injects the routes into the active peer only, keeping user AllowedIPs', () => {
    const plan = planGateways(snapshotFixture({ health: health({ 'gw-a': report(t), 'gw-b': report(t) }) }));
    assert.equal(plan.gateways[0].active, 'gw-a');
    assert.deepEqual(plan.peerPatches, [{ peer: 'gw-a', allowedIPs: ['10.100.0.0/24', '10.100.0.2/32'], injected: { vpc: ['10.100.0.0/24'] } }]);
  });

  it('on failover moves the routes: removed from the demoted peer first, then added to the new one', () => {
    const peers = [
      peerFixture('gw-a', '10.100.0.2', { allowedIPs: ['10.100.0.0/24', '10.100.0.2/32', '198.18.0.0/25'], injected: { vpc: ['10.100.0.0/24'] } }),
      peerFixture('gw-b', '10.100.0.3'),
      peerFixture('hybrid-1', '192.168.50.2'),
    ];
    const plan = planGateways(snapshotFixture({ peers: [...peers].reverse(), gateways: [gatewayFixture({ previousActive: 'gw-a' })], health: health({ 'gw-a': report(t, 3), 'gw-b': report(t) }) }));
    assert.equal(plan.gateways[0].active, 'gw-b');
    assert.deepEqual(plan.peerPatches, [
      { peer: 'gw-a', allowedIPs: ['10.100.0.2/32', '198.18.0.0/25'], injected: {} },
      { peer: 'gw-b', allowedIPs: ['10.100.0.0/24', '10.100.0.3/32'], injected: { vpc: ['10.100.0.0/24'] } },
    ]);
  });

  it('is level-triggered: nothing to patch once the peers carry what they should', () => {
    const peers = [peerFixture('gw-a', '10.100.0.2', { allowedIPs: ['10.100.0.0/24', '10.100.0.2/32'], injected: { vpc: ['10.100.0.0/24'] } }), peerFixture('gw-b', '10.100.0.3')];
    const plan = planGateways(snapshotFixture({ peers, gateways: [gatewayFixture({ previousActive: 'gw-a' })], health: health({ 'gw-a': report(t) }) }));
    assert.deepEqual(plan.peerPatches, []);
  });

  it('assigns ACTIVE (with SNAT sources), STANDBY, CLIENT and EXCLUDED', () => {
    const peers = [peerFixture('gw-a', '10.100.0.2'), peerFixture('gw-b', '10.100.0.3'), peerFixture('hybrid-1', '192.168.50.2'), peerFixture('edge', '172.16.0.9')];
    const plan = planGateways(snapshotFixture({ peers, gateways: [gatewayFixture({ clientRefs: ['hybrid-1'] })], health: health({ 'gw-a': report(t) }) }));
    const roles = Object.fromEntries([...plan.assignments].map(([n, a]) => [n, a.map((x) => x.role).join()]));
    assert.deepEqual(roles, { 'gw-a': 'active', 'gw-b': 'standby', 'hybrid-1': 'client', edge: 'excluded' });
    assert.deepEqual(plan.assignments.get('gw-a')![0].snatSources, ['100.96.0.0/16', '192.168.50.2/32']);
    assert.equal(plan.assignments.get('hybrid-1')![0].activePeer, 'gw-a');
  });

  it('bad gateways get conditions and leave other gateways unaffected', () => {
    const good = gatewayFixture();
    const empty = gatewayFixture({ name: 'empty', routes: [], peerRefs: ['gw-b'] });
    const ghost = gatewayFixture({ name: 'ghost', routes: [{ cidr: '10.9.0.0/16' }, { cidr: 'x/1' }], peerRefs: ['nobody'], clientRefs: ['nobody-else'] });
    const plan = planGateways(snapshotFixture({ gateways: [good, empty, ghost], health: new Map([['vpc', new Map([['gw-a', report(t)]])]]) }));
    const by = Object.fromEntries(plan.gateways.map((g) => [g.name, g]));
    assert.equal(by.vpc.active, 'gw-a');
    assert.deepEqual(plan.peerPatches.map((p) => p.peer), ['gw-a']);
    const st = (name: string) => gatewayStatus({ outcome: by[name], observedActiveAllowedIPs: [], nowMs: t });
    const reasons = (name: string) => Object.fromEntries(st(name).conditions.map((c) => [c.type, `${c.status}:${c.reason}`]));
    assert.deepEqual(reasons('empty'), { Ready: 'False:NoUsableRoutes', RoutesAccepted: 'True:AllRoutesAccepted', CandidatesResolved: 'True:AllPeersFound', ActivePeerChanged: 'True:NoActivePeer' });
    assert.deepEqual(reasons('ghost'), {
      Ready: 'False:NoHealthyCandidate',
      RoutesAccepted: 'False:InvalidCIDR',
      CandidatesResolved: 'False:UnknownPeer',
      ClientsResolved: 'False:UnknownPeer',
      ActivePeerChanged: 'True:NoActivePeer',
    });
  });
});

describe('gatewayStatus', () => {
  const outcome = () => planGateways(snapshotFixture({ gateways: [gatewayFixture({ previousActive: 'gw-a' })], health: health({ 'gw-a': report(t, 3), 'gw-b': report(t) }) })).gateways[0];

  it('is Ready only once the routes are visible in the active peer, and says why the active changed', () => {
    const pending = gatewayStatus({ outcome: outcome(), observedActiveAllowedIPs: ['10.100.0.3/32'], previous: { activePeer: 'gw-a' }, nowMs: t });
    assert.equal(pending.ready, false);
    assert.equal(pending.conditions[0].reason, 'RoutesNotInjected');
    const done = gatewayStatus({ outcome: outcome(), observedActiveAllowedIPs: ['10.100.0.0/24', '10.100.0.3/32'], previous: { activePeer: 'gw-a' }, nowMs: t + 1 });
    assert.equal(done.ready, true);
    assert.equal(done.routesInjected, 1);
    assert.equal(done.activePeer, 'gw-b');
    const change = done.conditions.find((c) => c.type === 'ActivePeerChanged')!;
    assert.equal(change.reason, 'FailedOver');
    assert.match(change.message, /^gw-a → gw-b: gw-b elected \(first healthy candidate\); gw-a demoted: 3 consecutive failed probes/);
    assert.deepEqual(done.peerHealth.map((p) => [p.peer, p.healthy, p.consecutiveFailures]), [['gw-a', false, 3], ['gw-b', true, 0]]);
    assert.equal(done.lastHealthCheck, new Date(t).toISOString());
  });

  it('keeps the failover reason and transition times while nothing flips', () => {
    const first = gatewayStatus({ outcome: outcome(), observedActiveAllowedIPs: ['10.100.0.0/24'], previous: { activePeer: 'gw-a' }, nowMs: t });
    const later = gatewayStatus({ outcome: outcome(), observedActiveAllowedIPs: ['10.100.0.0/24'], previous: { activePeer: 'gw-b', conditions: first.conditions }, nowMs: t + 60_000 });
    assert.deepEqual(later.conditions, first.conditions);
  });
});
