import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import type { NatType } from '../nat/behaviour';
import { StunServer } from '../server/stun-server';
import { runUntilSettled } from '../testing/run';
import { SimNetwork, type SimNatOptions } from '../testing/nat-sim';
import { startSimStunServer } from '../testing/stun-fixture';
import { inferAllocation } from './allocation';
import { discoverNat, type DiscoveryReport } from './discover';

const SERVER = { ip: '198.51.100.1', port: 3478 };

async function discoverBehind(nat: Omit<SimNatOptions, 'publicIp'> | undefined, opts: { servers?: 'rfc5780' | 'plain' } = {}): Promise<DiscoveryReport> {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, rng: seededRng(3) });
  let servers = [SERVER];
  if (opts.servers === 'plain') {
    for (const [ip, port] of [['198.51.100.7', 3478], ['198.51.100.8', 3478], ['198.51.100.8', 3479]] as const) new StunServer({ sockets: { primary: net.bind(ip, port) } }).start();
    servers = [{ ip: '198.51.100.7', port: 3478 }, { ip: '198.51.100.8', port: 3478 }, { ip: '198.51.100.8', port: 3479 }];
  } else startSimStunServer(net);
  const box = nat && net.addNat({ publicIp: '203.0.113.1', ...nat });
  const hostIp = box ? '10.0.0.2' : '203.0.113.50';
  const report = discoverNat({ servers, open: net.factory(hostIp, box), clock, rng: seededRng(9), localPort: 51822 });
  return runUntilSettled(clock, report);
}

describe('discoverNat on the NAT simulator', () => {
  const matrix: [string, Omit<SimNatOptions, 'publicIp'> | undefined, NatType, string, string][] = [
    ['no NAT', undefined, 'open', 'none', 'endpoint-independent'],
    ['full cone', { mapping: 'endpoint-independent', filtering: 'endpoint-independent' }, 'full-cone', 'endpoint-independent', 'endpoint-independent'],
    ['restricted cone', { mapping: 'endpoint-independent', filtering: 'address-dependent' }, 'restricted-cone', 'endpoint-independent', 'address-dependent'],
    ['port-restricted cone', { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' }, 'port-restricted-cone', 'endpoint-independent', 'address-and-port-dependent'],
    ['symmetric (address-dependent mapping)', { mapping: 'address-dependent', filtering: 'address-dependent', allocation: 'random' }, 'symmetric', 'address-dependent', 'address-dependent'],
    ['symmetric', { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random' }, 'symmetric', 'address-and-port-dependent', 'address-and-port-dependent'],
  ];
  for (const [name, nat, type, mapping, filtering] of matrix) {
    it(`classifies ${name} within 2 s`, async () => {
      const r = await discoverBehind(nat);
      assert.deepEqual([r.type, r.mapping, r.filtering, r.method], [type, mapping, filtering, 'rfc5780'], r.notes.join('\n'));
      assert.ok(r.durationMs <= 2000, `took ${r.durationMs} ms`);
    });
  }

  it('finds port preservation, sequential allocation with its delta, and random allocation', async () => {
    const kept = await discoverBehind({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' });
    assert.deepEqual([kept.portPreserved, kept.allocation, kept.mapped?.port], [true, 'preserving', 51822]);
    const seq = await discoverBehind({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'sequential', delta: 2 });
    assert.deepEqual([seq.type, seq.portPreserved, seq.allocation, seq.allocationDelta], ['symmetric', false, 'sequential', 2], seq.notes.join('\n'));
    // The newest sample is several mappings past the first mapped port: prediction starts there.
    assert.ok(seq.allocationLastPort! - seq.mapped!.port >= 2 * 5, `${seq.mapped?.port} → ${seq.allocationLastPort}`);
    const rnd = await discoverBehind({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random' });
    assert.equal(rnd.allocation, 'random', rnd.notes.join('\n'));
  });

  it('tests hairpinning (RFC 5780 §4.5)', async () => {
    const yes = await discoverBehind({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', hairpinning: true });
    assert.equal(yes.hairpinning, true, yes.notes.join('\n'));
    const no = await discoverBehind({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' });
    assert.equal(no.hairpinning, false);
    assert.equal((await discoverBehind(undefined)).hairpinning, undefined);
  });

  it('reports UDP blocked when no server answers', async () => {
    const r = await discoverBehind({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', blockUdp: true });
    assert.deepEqual([r.type, r.method], ['udp-blocked', 'none']);
    assert.ok(r.durationMs <= 2000);
  });

  it('falls back to comparing plain STUN servers', async () => {
    const cone = await discoverBehind({ mapping: 'endpoint-independent', filtering: 'address-dependent' }, { servers: 'plain' });
    assert.deepEqual([cone.method, cone.mapping, cone.filtering, cone.type], ['multi-server', 'endpoint-independent', 'unknown', 'port-restricted-cone'], cone.notes.join('\n'));
    const sym = await discoverBehind({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random' }, { servers: 'plain' });
    assert.deepEqual([sym.mapping, sym.type], ['address-and-port-dependent', 'symmetric']);
    const adm = await discoverBehind({ mapping: 'address-dependent', filtering: 'address-dependent', allocation: 'random' }, { servers: 'plain' });
    assert.equal(adm.mapping, 'address-dependent');
  });

  it('infers allocation patterns from samples, tolerating a stolen port', () => {
    const s = (pairs: [number, number][]) => pairs.map(([localPort, mappedPort]) => ({ localPort, mappedPort }));
    assert.equal(inferAllocation(s([[1, 1], [2, 2], [3, 3]])).allocation, 'preserving');
    assert.deepEqual(inferAllocation(s([[1, 100], [2, 102], [3, 104], [4, 107], [5, 109]])), { allocation: 'sequential', delta: 2, note: '3/4 consecutive mappings stepped by 2 (steps 2,2,3,2)', lastPort: 109 });
    // Steps are measured on the 16-bit ring, so a wrap past 65535 is still +2.
    assert.deepEqual(inferAllocation(s([[1, 65533], [2, 65535], [3, 1], [4, 3]])).delta, 2);
    assert.deepEqual(inferAllocation(s([[1, 3000], [2, 2990], [3, 2980], [4, 2970]])).delta, -10);
    assert.equal(inferAllocation(s([[1, 5000], [2, 41000], [3, 1200], [4, 33333]])).allocation, 'random');
    assert.equal(inferAllocation(s([[1, 5000], [2, 5001]])).allocation, 'unknown');
  });
});
