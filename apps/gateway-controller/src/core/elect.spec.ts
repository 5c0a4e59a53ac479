import { strict as assert } from 'node:assert';
import { elect, judgeCandidates, staleAfterMs } from './elect';
import { gatewayFixture, report } from './fixtures';
import type { HealthEntry } from './model';

const peers = new Set(['gw-a', 'gw-b']);
function judge(nowMs: number, reports: Record<string, HealthEntry>, over: { leaderSinceMs?: number; incumbent?: string } = {}) {
  const gateway = gatewayFixture({ previousActive: over.incumbent ?? '' });
  const verdicts = judgeCandidates({ gateway, nowMs, leaderSinceMs: over.leaderSinceMs ?? 0, reports: new Map(Object.entries(reports)), peers, connectedAgents: new Set() });
  return { verdicts, election: elect(gateway.previousActive, verdicts) };
}

describe('gateway election (pure, explicit time)', () => {
  it('a report is evidence for interval × threshold + timeout, then the silent agent is unhealthy', () => {
    assert.equal(staleAfterMs({ intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 }), 7_000);
    const fresh = judge(17_000, { 'gw-a': report(10_000) });
    assert.equal(fresh.verdicts[0].state, 'healthy');
    const stale = judge(17_001, { 'gw-a': report(10_000) });
    assert.equal(stale.verdicts[0].state, 'unhealthy');
    assert.match(stale.verdicts[0].reason, /agent silent/);
  });

  it('failures below the threshold keep a candidate; reaching it makes it unhealthy with the probe detail', () => {
    assert.equal(judge(10_000, { 'gw-a': report(10_000, 2) }).verdicts[0].state, 'healthy');
    const down = judge(10_000, { 'gw-a': report(10_000, 3) }).verdicts[0];
    assert.equal(down.state, 'unhealthy');
    assert.equal(down.reason, '3 consecutive failed probes of 10.100.0.10:80: connect timeout');
  });

  it('elects in peerRefs order, fails over, and does not fail back while the incumbent is healthy', () => {
    const t = 50_000;
    assert.equal(judge(t, { 'gw-a': report(t), 'gw-b': report(t) }).election.active, 'gw-a');
    const over = judge(t, { 'gw-a': report(t, 3), 'gw-b': report(t) }, { incumbent: 'gw-a' }).election;
    assert.equal(over.active, 'gw-b');
    assert.match(over.why, /gw-a demoted: 3 consecutive failed probes/);
    assert.equal(judge(t, { 'gw-a': report(t), 'gw-b': report(t) }, { incumbent: 'gw-b' }).election.active, 'gw-b', 'no fail-back');
  });

  it('a new leader keeps the incumbent until reports arrive, but elects nobody on no evidence', () => {
    const young = judge(3_000, {}, { leaderSinceMs: 1_000, incumbent: 'gw-b' });
    assert.deepEqual(young.verdicts.map((v) => v.state), ['unknown', 'unknown']);
    assert.equal(young.election.active, 'gw-b');
    const fresh = judge(3_000, {}, { leaderSinceMs: 1_000 });
    assert.equal(fresh.election.active, '');
    const old = judge(9_000, {}, { leaderSinceMs: 1_000, incumbent: 'gw-b' });
    assert.equal(old.election.active, '');
    assert.match(old.election.why, /no healthy candidate \(gw-a: no health report within 7s; gw-b: no health report within 7s\)/);
  });

  it('a first election waits for a preferred candidate that has not reported yet, within the window only', () => {
    const early = judge(2_000, { 'gw-b': report(2_000) }, { leaderSinceMs: 1_000 });
    assert.deepEqual(early.election, { active: '', why: 'waiting for the first health report of gw-a' });
    assert.equal(judge(8_001, { 'gw-b': report(8_000) }, { leaderSinceMs: 1_000 }).election.active, 'gw-b');
    const failover = judge(2_000, { 'gw-a': report(2_000, 3), 'gw-b': report(2_000) }, { leaderSinceMs: 1_000, incumbent: 'gw-a' });
    assert.equal(failover.election.active, 'gw-b', 'a failover does not wait');
  });

  it('Node Ready is not evidence: without a health check only an open agent stream counts', () => {
    const gateway = gatewayFixture({ healthCheck: undefined });
    const v = judgeCandidates({ gateway, nowMs: 1, leaderSinceMs: 0, reports: undefined, peers, connectedAgents: new Set(['gw-b']) });
    assert.deepEqual(v.map((x) => x.state), ['unhealthy', 'healthy']);
    assert.equal(elect('', v).active, 'gw-b');
  });

  it('a candidate name without a WireKubePeer is unhealthy and never elected', () => {
    const gateway = gatewayFixture({ peerRefs: ['ghost', 'gw-a'] });
    const v = judgeCandidates({ gateway, nowMs: 10, leaderSinceMs: 0, reports: new Map([['ghost', report(10)], ['gw-a', report(10)]]), peers, connectedAgents: new Set() });
    assert.equal(v[0].reason, 'no WireKubePeer named ghost');
    assert.equal(elect('', v).active, 'gw-a');
  });
});
