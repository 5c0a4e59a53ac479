import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WgKey } from '../key/key';
import { FakeWireGuardBackend } from '../testing';
import { planDeviceUpdate } from './diff';
import type { DeviceConfig, PeerConfig } from './model';

const KEYS = Array.from({ length: 6 }, (_, i) => WgKey.fromBytes(Buffer.alloc(32, i + 1)));
const PRIV = [WgKey.fromBytes(Buffer.alloc(32, 100)), WgKey.fromBytes(Buffer.alloc(32, 101))];
const IPS = ['10.0.0.0/8', '10.1.0.0/16', '100.96.0.1/32', '100.96.0.2/32', '100.96.0.3/32', '192.168.0.0/24', 'fd00::/64'];
const ENDPOINTS = ['192.0.2.1:51822', '192.0.2.2:51822', '127.0.0.1:40000', '[fd00::1]:51822'];

/** Desired configs whose AllowedIPs are disjoint across peers (the validator enforces that). */
const config: fc.Arbitrary<DeviceConfig> = fc
  .record({
    priv: fc.constantFrom(...PRIV),
    port: fc.constantFrom(51822, 51823),
    fwmark: fc.constantFrom(0, 0x574b),
    peers: fc.uniqueArray(fc.nat(KEYS.length - 1), { maxLength: KEYS.length }),
    owner: fc.array(fc.nat(KEYS.length), { minLength: IPS.length, maxLength: IPS.length }),
    endpoint: fc.array(fc.option(fc.constantFrom(...ENDPOINTS), { nil: undefined }), { minLength: KEYS.length, maxLength: KEYS.length }),
    keepalive: fc.array(fc.constantFrom(0, 25), { minLength: KEYS.length, maxLength: KEYS.length }),
  })
  .map(({ priv, port, fwmark, peers, owner, endpoint, keepalive }) => ({
    privateKey: priv,
    listenPort: port,
    fwmark,
    peers: peers.map(
      (k): PeerConfig => ({
        publicKey: KEYS[k],
        endpoint: endpoint[k],
        persistentKeepaliveSec: keepalive[k],
        allowedIps: IPS.filter((_, i) => owner[i] === k),
      }),
    ),
  }));

describe('planDeviceUpdate (property)', () => {
  it('from any device state, one plan reaches the desired state, and planning again is empty', async () => {
    await fc.assert(
      fc.asyncProperty(config, config, fc.array(fc.tuple(fc.nat(KEYS.length - 1), fc.constantFrom(...ENDPOINTS))), async (before, want, roams) => {
        const dev = new FakeWireGuardBackend();
        await dev.set(planDeviceUpdate(await dev.get(), before, { setEndpointFor: new Set(KEYS.map(String)) }));
        for (const [k, ep] of roams) if (before.peers.some((p) => p.publicKey.equals(KEYS[k]))) dev.roam(KEYS[k], ep);
        const live = await dev.get();
        const liveEndpoint = new Map(live.peers.map((p) => [p.publicKey.toBase64(), p.endpoint]));

        await dev.set(planDeviceUpdate(live, want)); // nobody asked for endpoints
        const after = await dev.get();
        assert.equal(after.listenPort, want.listenPort);
        assert.equal(after.fwmark, want.fwmark);
        assert.ok(after.privateKey?.equals(want.privateKey));
        assert.deepEqual(after.peers.map((p) => p.publicKey.toBase64()).sort(), want.peers.map((p) => p.publicKey.toBase64()).sort());
        for (const w of want.peers) {
          const got = after.peers.find((p) => p.publicKey.equals(w.publicKey))!;
          assert.deepEqual([...got.allowedIps].sort(), [...w.allowedIps].sort());
          assert.equal(got.persistentKeepaliveSec, w.persistentKeepaliveSec ?? 0);
          const key = w.publicKey.toBase64();
          // Existing peers keep their (possibly roamed) endpoint; new ones get the desired one.
          assert.equal(got.endpoint, liveEndpoint.has(key) ? liveEndpoint.get(key) : w.endpoint);
        }
        const again = planDeviceUpdate(after, want);
        assert.deepEqual(again, { peers: [] });
      }),
      { numRuns: 300 },
    );
  });
});
