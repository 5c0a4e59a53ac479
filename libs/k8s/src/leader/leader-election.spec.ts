import assert from 'node:assert/strict';
import { FakeClock } from '@wirekube/util/testing';
import { leaseApi } from '../client/resource-api';
import { startTestCluster, type TestCluster } from '../testing';
import { LeaderElector } from './leader-election';

describe('Lease leader election against the API test double', () => {
  let c: TestCluster;
  beforeEach(async () => (c = await startTestCluster()));
  afterEach(() => c.stop());

  const candidates = (clock: FakeClock) => {
    const api = leaseApi(c.kubeConfig, 'kube-system');
    const events: string[] = [];
    const make = (identity: string) =>
      new LeaderElector({
        api,
        leaseName: 'wirekube-test',
        identity,
        clock,
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
        onStartedLeading: () => events.push(`${identity} leads`),
        onStoppedLeading: () => events.push(`${identity} stops`),
      });
    return { api, events, a: make('a'), b: make('b') };
  };

  it('exactly one candidate wins; the other takes over only after the lease expires', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const { api, events, a, b } = candidates(clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    // a keeps renewing: b never gets in.
    for (let i = 0; i < 10; i++) {
      await clock.advance(2_000);
      assert.equal(await a.tryAcquireOrRenew(), true);
      assert.equal(await b.tryAcquireOrRenew(), false);
    }
    // a crashes (no release). b must wait a full lease duration of its own clock.
    await clock.advance(14_000);
    assert.equal(await b.tryAcquireOrRenew(), false);
    await clock.advance(1_000);
    assert.equal(await b.tryAcquireOrRenew(), true);
    const lease = await api.get('wirekube-test');
    assert.equal(lease?.spec?.holderIdentity, 'b');
    assert.equal(lease?.spec?.leaseTransitions, 1);
    assert.match(lease?.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime as the API server parses it');
    // a comes back and finds b holding a fresh lease.
    assert.equal(await a.tryAcquireOrRenew(), false);
    assert.deepEqual(events, ['a leads', 'b leads', 'a stops']);
  });

  it('candidates racing for a new lease: exactly one wins', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const { a, b } = candidates(clock);
    const wins = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
    assert.deepEqual(wins.sort(), [false, true]);
  });

  it('a graceful stop releases the lease for an immediate takeover', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const { events, a, b } = candidates(clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    await a.stop();
    assert.equal(await b.tryAcquireOrRenew(), true);
    assert.deepEqual(events, ['a leads', 'a stops', 'b leads']);
  });

  it('a leader that cannot renew within the deadline steps down', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const { events, a } = candidates(clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    await c.stop();
    await clock.advance(5_000);
    assert.equal(await a.tryAcquireOrRenew(), true, 'still within the renew deadline');
    await clock.advance(5_000);
    assert.equal(await a.tryAcquireOrRenew(), false);
    assert.deepEqual(events, ['a leads', 'a stops']);
  });
});
