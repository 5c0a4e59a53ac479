import assert from 'node:assert/strict';
import { discoverNat, type DiscoveryReport, type TransportAddress } from '@wirekube/nat';
import { runUntilSettled, SimNetwork, startSimStunServer, type SimNat } from '@wirekube/nat/testing';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { reconcileWgEndpoint, type StunView, type WgEndpointInput } from './wg-endpoint';

const NOW = 1_000_000;
const base: WgEndpointInput = {
  listenPort: 51822,
  nowMs: NOW,
  hostIps: ['10.0.1.2'],
  networkChangedAtMs: 0,
  observations: [],
  observationMaxAgeMs: 120_000,
  othersPublished: [],
};
const eim = (mapped: string, port: number, localPort: number, extra: Partial<StunView> = {}): StunView => ({
  mapped: { host: mapped, port },
  localPort,
  mapping: 'endpoint-independent',
  portPreserved: port === localPort,
  udpBlocked: false,
  atMs: NOW - 1000,
  ...extra,
});

describe('the WireGuard port’s published endpoint', () => {
  it('infers publicIp:listenPort behind a port-preserving endpoint-independent NAT', () => {
    const d = reconcileWgEndpoint({ ...base, ephemeral: eim('203.0.113.9', 40123, 40123) });
    assert.deepEqual(d, { endpoint: { host: '203.0.113.9', port: 51822 }, source: 'inferred', reason: 'assumed 203.0.113.9:51822: the NAT is endpoint-independent and preserved the probe\'s port' });
  });

  it('publishes nothing behind a NAT that changes ports until the pre-bind probe or a peer tells', () => {
    const ephemeral = eim('203.0.113.9', 1031, 40123);
    assert.equal(reconcileWgEndpoint({ ...base, ephemeral }).source, 'none');
    const pre = reconcileWgEndpoint({ ...base, ephemeral, preBind: eim('203.0.113.9', 1030, 51822) });
    assert.deepEqual(pre.endpoint, { host: '203.0.113.9', port: 1030 });
    assert.equal(pre.source, 'pre-bind');
    const seen = reconcileWgEndpoint({ ...base, ephemeral, observations: [{ by: 'node-b', endpoint: { host: '203.0.113.9', port: 1030 }, atMs: NOW - 10 }] });
    assert.deepEqual(seen, { endpoint: { host: '203.0.113.9', port: 1030 }, source: 'observed', reason: 'WireGuard packets arrive at node-b from 203.0.113.9:1030' });
  });

  it('does not claim ip:listenPort when a same-NAT neighbour with the same listen port already holds it', () => {
    const d = reconcileWgEndpoint({ ...base, ephemeral: eim('203.0.113.9', 40123, 40123), othersPublished: [{ host: '203.0.113.9', port: 51822 }] });
    assert.equal(d.source, 'none');
    assert.match(d.reason, /^another node behind 203\.0\.113\.9 already holds 203\.0\.113\.9:51822/);
  });

  it('trusts what peers observe over the pre-bind probe, and says the mapping moved', () => {
    const d = reconcileWgEndpoint({
      ...base,
      preBind: eim('203.0.113.9', 51822, 51822),
      observations: [
        { by: 'b', endpoint: { host: '203.0.113.9', port: 1044 }, atMs: NOW - 5 },
        { by: 'a', endpoint: { host: '203.0.113.9', port: 1044 }, atMs: NOW - 50 },
      ],
    });
    assert.equal(d.reason, 'WireGuard packets arrive at a, b from 203.0.113.9:1044; the pre-bind probe had seen 203.0.113.9:51822 (the NAT renewed the mapping)');
  });

  it('ignores relayed, host, inner-NAT, stale and pre-network-change observations', () => {
    const d = reconcileWgEndpoint({
      ...base,
      networkChangedAtMs: NOW - 60_000,
      ephemeral: eim('203.0.113.9', 1031, 40123),
      observations: [
        { by: 'relayed', endpoint: { host: '127.0.0.1', port: 40001 }, atMs: NOW },
        { by: 'lan', endpoint: { host: '10.0.1.2', port: 51822 }, atMs: NOW },
        { by: 'inner', endpoint: { host: '100.64.0.7', port: 51822 }, atMs: NOW },
        { by: 'stale', endpoint: { host: '203.0.113.9', port: 1000 }, atMs: NOW - 30_000_000 },
        { by: 'before', endpoint: { host: '203.0.113.9', port: 1001 }, atMs: NOW - 61_000 },
      ],
    });
    assert.equal(d.source, 'none');
    assert.equal(d.reason, "the NAT does not preserve ports: the WireGuard port's external port is unknown until a peer sees it");
  });

  it('publishes nothing when peers disagree on the port (mapping per destination) or the NAT is symmetric', () => {
    const d = reconcileWgEndpoint({
      ...base,
      observations: [
        { by: 'b', endpoint: { host: '203.0.113.9', port: 1044 }, atMs: NOW },
        { by: 'c', endpoint: { host: '203.0.113.9', port: 2051 }, atMs: NOW },
      ],
    });
    assert.equal(d.reason, 'peers see the WireGuard port at different addresses (b see 203.0.113.9:1044; c see 203.0.113.9:2051): the NAT maps per destination');
    const sym = reconcileWgEndpoint({ ...base, ephemeral: eim('203.0.113.9', 1031, 40123, { mapping: 'address-and-port-dependent' }) });
    assert.equal(sym.source, 'none');
    // Behind a symmetric NAT even a single peer's observation is that peer's port only (the lab grid caught one).
    const one = reconcileWgEndpoint({ ...base, ephemeral: eim('203.0.113.9', 1031, 40123, { mapping: 'address-and-port-dependent' }), observations: [{ by: 'b', endpoint: { host: '203.0.113.9', port: 35082 }, atMs: NOW }] });
    assert.deepEqual([one.source, one.endpoint], ['none', undefined]);
    assert.match(one.reason, /per destination/);
  });

  it('handles no NAT, blocked UDP, retired evidence and no evidence at all', () => {
    assert.deepEqual(reconcileWgEndpoint({ ...base, ephemeral: eim('198.51.100.7', 40000, 40000, { mapping: 'none' }) }).endpoint, { host: '198.51.100.7', port: 51822 });
    assert.equal(reconcileWgEndpoint({ ...base, ephemeral: { localPort: 1, mapping: 'unknown', portPreserved: false, udpBlocked: true, atMs: NOW } }).source, 'none');
    assert.equal(reconcileWgEndpoint({ ...base, networkChangedAtMs: NOW, preBind: eim('203.0.113.9', 1030, 51822) }).reason, 'no STUN result for the current network yet');
    assert.equal(reconcileWgEndpoint(base).reason, 'no STUN result for the current network yet');
  });

  it('on the NAT simulator: two nodes behind one NAT with the same listen port each learn their real WireGuard mapping by probing before the bind', async () => {
    const clock = new FakeClock();
    const net = new SimNetwork({ clock, rng: seededRng(2) });
    startSimStunServer(net);
    const nat = net.addNat({ publicIp: '203.0.113.9', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' });
    const peer = net.bind('198.51.100.50', 51822);
    const sources: string[] = [];
    peer.onMessage((_d, from) => sources.push(`${from.ip}:${from.port}`));
    const view = (r: DiscoveryReport, localPort: number): StunView => ({
      ...(r.mapped && { mapped: { host: r.mapped.ip, port: r.mapped.port } }),
      localPort,
      mapping: r.mapping,
      portPreserved: r.portPreserved,
      udpBlocked: r.type === 'udp-blocked',
      atMs: clock.now(),
    });
    /** Probe from the listen port, release it, then "WireGuard" binds it and sends a handshake. */
    const node = async (ip: string, behind: SimNat) => {
      const report = await runUntilSettled(clock, discoverNat({ servers: [{ ip: '198.51.100.1', port: 3478 }], open: net.factory(ip, behind), clock, rng: seededRng(4), localPort: 51822 }));
      const wg = net.bind(ip, 51822, behind);
      await wg.send(Buffer.alloc(148), { ip: '198.51.100.50', port: 51822 } satisfies TransportAddress);
      return report;
    };
    const a = await node('10.0.1.2', nat);
    const b = await node('10.0.1.3', nat);
    await clock.advance(10);
    const decided = [a, b].map((r, i) => reconcileWgEndpoint({ ...base, nowMs: clock.now(), hostIps: [`10.0.1.${i + 2}`], preBind: view(r, 51822) }));
    assert.deepEqual(decided.map((d) => d.source), ['pre-bind', 'pre-bind']);
    // What each publishes is exactly where its WireGuard packets come from, and they differ.
    assert.deepEqual(decided.map((d) => `${d.endpoint!.host}:${d.endpoint!.port}`), sources);
    assert.equal(new Set(sources).size, 2);
    assert.equal(sources[0], '203.0.113.9:51822');
  });
});
