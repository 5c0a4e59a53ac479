import assert from 'node:assert/strict';
import type { DiscoveryReport } from '@wirekube/nat';
import { type NatType as LabNat, useLab } from '../../lab';
import { discoverIn, startCoturn, startLabStunServer } from './nat-tool-client';

// libs/nat's RFC 5780 discovery, run inside a node of every lab NAT type, against our own STUN
// server and against coturn (a peer nobody here wrote). Each classification must be right and
// take at most 2 s (the report's own duration: process start-up is not part of it).
const SITES: { name: string; nat: LabNat; want: Partial<DiscoveryReport> }[] = [
  { name: 'public', nat: 'public', want: { type: 'open', mapping: 'none', filtering: 'endpoint-independent' } },
  { name: 'prc', nat: 'port-restricted', want: { type: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPreserved: true, allocation: 'preserving' } },
  { name: 'arc', nat: 'address-restricted', want: { type: 'restricted-cone', mapping: 'endpoint-independent', filtering: 'address-dependent' } },
  { name: 'fullcone', nat: 'full-cone', want: { type: 'full-cone', mapping: 'endpoint-independent', filtering: 'endpoint-independent' } },
  { name: 'sym', nat: 'symmetric', want: { type: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random' } },
  { name: 'seq', nat: 'symmetric-sequential', want: { type: 'symmetric', mapping: 'address-and-port-dependent', allocation: 'sequential', allocationDelta: 1 } },
  { name: 'noudp', nat: 'udp-blocked', want: { type: 'udp-blocked', method: 'none' } },
];

const OURS = 3478;
const COTURN = 3490;
const COTURN_PLAIN = 3494;

// Without RFC 5780 (coturn --no-rfc5780 on two IPs), discovery compares the two servers' views:
// mapping is still found, filtering is unknown and planned as the most restrictive.
const FALLBACK: Record<string, Partial<DiscoveryReport>> = {
  prc: { method: 'multi-server', type: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'unknown' },
  fullcone: { method: 'multi-server', type: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'unknown' },
  sym: { method: 'multi-server', type: 'symmetric', mapping: 'address-dependent', filtering: 'unknown' },
  seq: { method: 'multi-server', type: 'symmetric', allocation: 'sequential', allocationDelta: 1 },
};

describe('lab: NAT behaviour discovery against every lab NAT type', function () {
  this.timeout(60_000);
  const lab = useLab({ sites: SITES.map((s) => ({ name: s.name, nat: s.nat, nodes: [`${s.name}-n`] })), services: ['stun'] }, { resetBetweenTests: false });
  const reports = new Map<string, DiscoveryReport>();

  before(async function () {
    const stun = lab().host('stun');
    const [a] = stun.addrs;
    const ours = await startLabStunServer(stun, OURS);
    const coturn = await startCoturn(stun, COTURN);
    const plain = await startCoturn(stun, COTURN_PLAIN, true);
    // One server at a time, every site at once (each site has its own router).
    for (const [server, port] of [['ours', OURS], ['coturn', COTURN]] as const) {
      await lab().flushNat();
      await Promise.all(SITES.map(async (s) => reports.set(`${server}/${s.name}`, await discoverIn(lab().host(`${s.name}-n`), [`${a}:${port}`], 40000 + port))));
    }
    await lab().flushNat();
    const [, b] = stun.addrs;
    await Promise.all(Object.keys(FALLBACK).map(async (n) => reports.set(`plain/${n}`, await discoverIn(lab().host(`${n}-n`), [`${a}:${COTURN_PLAIN}`, `${b}:${COTURN_PLAIN}`], 40000))));
    await Promise.all([ours.stop(), coturn.stop(), plain.stop()]);
  });

  for (const server of ['ours', 'coturn']) {
    for (const s of SITES) {
      it(`${server}: ${s.nat} is ${s.want.type}${s.want.allocation ? ` (${s.want.allocation})` : ''} within 2 s`, () => {
        const r = reports.get(`${server}/${s.name}`)!;
        const got = Object.fromEntries(Object.keys(s.want).map((k) => [k, r[k as keyof DiscoveryReport]]));
        assert.deepEqual(got, s.want, r.notes.join('\n'));
        if (s.nat !== 'udp-blocked') assert.equal(r.method, 'rfc5780', r.notes.join('\n'));
        assert.ok(r.durationMs <= 2000, `took ${r.durationMs} ms`);
      });
    }
  }

  for (const [site, want] of Object.entries(FALLBACK)) {
    it(`coturn without RFC 5780, two servers: ${SITES.find((s) => s.name === site)!.nat} is ${want.type} by comparison`, () => {
      const r = reports.get(`plain/${site}`)!;
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, r[k as keyof DiscoveryReport]]));
      assert.deepEqual(got, want, r.notes.join('\n'));
      assert.ok(r.durationMs <= 2000, `took ${r.durationMs} ms`);
    });
  }
});
