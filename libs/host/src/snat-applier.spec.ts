import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { SNAT_CHAIN } from './constants';
import type { SnatRule } from './model';
import { parseTaggedRules, SnatApplier, snatRuleArgs, snatTag } from './snat-applier';
import { FakeIptables } from './testing';

const masq: SnatRule = { source: '100.96.0.0/16', destination: '10.0.0.0/16', outInterface: 'eth0' };
const snat: SnatRule = { source: '100.96.0.0/16', toSource: '10.0.1.5' };

describe('SnatApplier', () => {
  it('installs tagged rules in its own chain behind one tagged jump', async () => {
    const ipt = new FakeIptables();
    await new SnatApplier(ipt).set([masq, snat]);
    assert.equal(
      ipt.snapshot(),
      [
        `iptables -t nat -A POSTROUTING -m comment --comment "wirekube:jump" -j ${SNAT_CHAIN}`,
        `iptables -t nat -A ${SNAT_CHAIN} -s 100.96.0.0/16 -d 10.0.0.0/16 -o eth0 -m comment --comment "${snatTag(masq)}" -j MASQUERADE`,
        `iptables -t nat -A ${SNAT_CHAIN} -s 100.96.0.0/16 -m comment --comment "${snatTag(snat)}" -j SNAT --to-source 10.0.1.5`,
        `iptables -t nat -N ${SNAT_CHAIN}`,
      ].join('\n'),
    );
  });

  it('is level-triggered and leaves untagged rules alone', async () => {
    const ipt = new FakeIptables();
    const a = new SnatApplier(ipt);
    await ipt.run(['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.0/16', '-j', 'MASQUERADE']); // e.g. the CNI's
    await a.set([masq]);
    const n = ipt.calls.length;
    await a.set([masq]);
    assert.deepEqual(ipt.calls.slice(n).filter((c) => !c.includes(' -S')), []);
    await ipt.run(['-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', 'wirekube:jump', '-j', SNAT_CHAIN]);
    await a.set([snat]);
    const state = ipt.snapshot();
    assert.match(state, /wirekube:jump/);
    assert.match(state, /SNAT --to-source 10\.0\.1\.5/);
    assert.doesNotMatch(state, /MASQUERADE.*wirekube|wirekube.*MASQUERADE/);
    await a.cleanup();
    assert.equal(ipt.snapshot(), 'iptables -t nat -A POSTROUTING -s 10.244.0.0/16 -j MASQUERADE');
  });

  it('converges from any rule set to any other', async () => {
    const pool: SnatRule[] = [masq, snat, { source: '100.96.0.0/16', destination: '172.16.0.0/12' }, { source: '100.97.0.0/16', outInterface: 'eth1' }];
    const rng = seededRng(3);
    const ipt = new FakeIptables();
    const a = new SnatApplier(ipt);
    for (let i = 0; i < 30; i++) {
      const want = pool.filter(() => rng.next() < 0.5);
      await a.set(want);
      if (want.length === 0) {
        assert.equal(ipt.snapshot(), '', `step ${i}: nothing left when nothing is wanted`);
        continue;
      }
      const live = parseTaggedRules(await ipt.run(['-t', 'nat', '-S', SNAT_CHAIN]), SNAT_CHAIN).map((r) => r.tag).sort();
      assert.deepEqual(live, want.map(snatTag).sort(), `step ${i}`);
    }
  });

  it('parses iptables -S output with quoted foreign comments', () => {
    const out = `-N ${SNAT_CHAIN}\n-A ${SNAT_CHAIN} -s 1.0.0.0/8 -m comment --comment "some one else" -j ACCEPT\n-A ${SNAT_CHAIN} ${snatRuleArgs(snat).join(' ')}\n`;
    assert.deepEqual(parseTaggedRules(out, SNAT_CHAIN), [{ tag: snatTag(snat), args: snatRuleArgs(snat) }]);
  });
});
