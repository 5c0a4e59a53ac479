import assert from 'node:assert/strict';
import { SEQUENTIAL_PORT_BASE, SEQUENTIAL_PORT_SPAN, forgetMappingsRuleset, routerRuleset } from './nat-rules';
import type { RouterPlan } from './plan';
import { NAT_TYPES } from './topology';

const router = (nat: RouterPlan['nat']): RouterPlan => ({ netns: 'r', nat, wanIf: 'wan0', wanAddr: '198.18.1.1', lanIf: 'lan0', lanCidr: '10.1.0.0/24', hairpin: false });

describe('NAT router rulesets (pure)', function () {
  it('every NAT router drops unsolicited WAN traffic in input and forward', function () {
    for (const nat of NAT_TYPES.filter((n) => n !== 'public') as RouterPlan['nat'][]) {
      const rs = routerRuleset(router(nat));
      assert.match(rs, /iifname "wan0" drop/, nat);
      assert.match(rs, /hook forward priority filter; policy drop;/, nat);
    }
  });

  it('picks the mapping behaviour per type', function () {
    assert.match(routerRuleset(router('port-restricted')), /oifname "wan0" masquerade\n/);
    assert.match(routerRuleset(router('symmetric')), /masquerade fully-random/);
    const seq = routerRuleset(router('symmetric-sequential'));
    assert.match(seq, /snat ip to 198\.18\.1\.1 : numgen inc mod 4096 map \{ 0 : 20000, 1 : 20001,/);
    assert.ok(seq.includes(`${SEQUENTIAL_PORT_SPAN - 1} : ${SEQUENTIAL_PORT_BASE + SEQUENTIAL_PORT_SPAN - 1} }`));
    assert.match(routerRuleset(router('udp-blocked')), /iifname "lan0" meta l4proto udp drop/);
  });

  it('routes between LAN segments, untranslated and before the UDP block, only when asked', function () {
    assert.doesNotMatch(routerRuleset(router('port-restricted')), /iifname "lan0" oifname "lan0" accept/);
    const rs = routerRuleset({ ...router('udp-blocked'), routeLan: true });
    assert.ok(rs.indexOf('iifname "lan0" oifname "lan0" accept') >= 0 && rs.indexOf('iifname "lan0" oifname "lan0" accept') < rs.indexOf('l4proto udp drop'), rs);
  });

  it('only the cone types learn mappings, and only address-restricted checks the peer address', function () {
    assert.doesNotMatch(routerRuleset(router('port-restricted')), /@cone/);
    assert.match(routerRuleset(router('full-cone')), /iifname "wan0" meta l4proto udp dnat ip to udp dport map @cone/);
    assert.match(routerRuleset(router('address-restricted')), /udp dport \. ip saddr @peers dnat ip to udp dport map @cone/);
    assert.equal(forgetMappingsRuleset(router('symmetric')), '');
    const hp = routerRuleset({ ...router('port-restricted'), hairpin: true });
    assert.match(hp, /iifname "lan0" ip daddr 198\.18\.1\.1 meta l4proto udp dnat ip to udp dport map @cone/);
    assert.match(hp, /iifname "lan0" oifname "lan0" ct status dnat snat ip to 198\.18\.1\.1/);
    assert.doesNotMatch(hp, /iifname "wan0" meta l4proto udp dnat/, 'hairpin does not open the WAN side');
    assert.equal(forgetMappingsRuleset(router('address-restricted')), 'flush map ip lab cone\nflush set ip lab peers\n');
  });
});
