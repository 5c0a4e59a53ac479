import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import type { DeviceConfig, PeerConfig } from './config/model';
import { WireGuardDevice } from './device';
import { InvalidConfigError } from './config/validate';
import { publicKeyOf, WgKey } from './key/key';
import { FakeWireGuardBackend, renderDeviceState } from './testing';

const key = (n: number) => WgKey.fromBytes(Buffer.alloc(32, n));
const priv = key(200);
const peer = (n: number, extra: Partial<PeerConfig> = {}): PeerConfig => ({
  publicKey: key(n),
  endpoint: `192.0.2.${n}:51822`,
  allowedIps: [`100.96.0.${n}/32`],
  persistentKeepaliveSec: 25,
  ...extra,
});
const config = (peers: PeerConfig[]): DeviceConfig => ({ privateKey: priv, listenPort: 51822, fwmark: 0x574b, peers });

/** The text of `desired` as a device would hold it, assuming no roaming. */
function expected(desired: DeviceConfig): string {
  return renderDeviceState({
    privateKey: desired.privateKey,
    listenPort: desired.listenPort,
    fwmark: desired.fwmark,
    peers: desired.peers.map((p) => ({
      ...p,
      persistentKeepaliveSec: p.persistentKeepaliveSec ?? 0,
      allowedIps: [...new Set(p.allowedIps)],
      lastHandshakeMs: 0,
      rxBytes: 0,
      txBytes: 0,
    })),
  });
}

describe('WireGuardDevice', () => {
  it('creates the device and peers, then does nothing on an identical set', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    const want = config([peer(1), peer(2)]);
    await dev.set(want);
    assert.equal(fake.snapshot(), expected(want));
    assert.equal(
      fake.snapshot(),
      [
        'device listen_port=51822 fwmark=22347 key=set',
        `peer ${key(1)} endpoint=192.0.2.1:51822 keepalive=25 psk=none allowed=100.96.0.1/32`,
        `peer ${key(2)} endpoint=192.0.2.2:51822 keepalive=25 psk=none allowed=100.96.0.2/32`,
      ].join('\n'),
    );
    const again = await dev.set(want);
    assert.deepEqual(again, { peers: [] });
    assert.equal(fake.updates.length, 1);
  });

  it('never fights WireGuard roaming unless the caller changes or forces the endpoint', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    await dev.set(config([peer(1)]));
    fake.roam(key(1), '198.51.100.7:40000');
    await dev.set(config([peer(1)]));
    assert.match(fake.snapshot(), /endpoint=198\.51\.100\.7:40000/);
    assert.equal(fake.updates.length, 1);

    await dev.set(config([peer(1, { endpoint: '127.0.0.1:40001' })]));
    assert.match(fake.snapshot(), /endpoint=127\.0\.0\.1:40001/);
    fake.roam(key(1), '198.51.100.7:40000');
    await dev.set(config([peer(1, { endpoint: '127.0.0.1:40001' })]), { forceEndpoints: [key(1).toBase64()] });
    assert.match(fake.snapshot(), /endpoint=127\.0\.0\.1:40001/);
    const last = fake.updates.at(-1)!;
    assert.deepEqual(Object.keys(last.peers[0]).sort(), ['endpoint', 'publicKey', 'updateOnly']);
  });

  it('points a peer for a punch without changing what the next set writes', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    await dev.set(config([peer(1, { endpoint: '127.0.0.1:40001' })]));
    await dev.pointPeer(key(1), '198.51.100.7:51822');
    assert.match(fake.snapshot(), /endpoint=198\.51\.100\.7:51822/);
    await dev.set(config([peer(1, { endpoint: '127.0.0.1:40001' })]));
    assert.match(fake.snapshot(), /endpoint=198\.51\.100\.7:51822/, 'an unchanged request leaves the punched endpoint');
    await dev.set(config([peer(1, { endpoint: '127.0.0.1:40001' })]), { forceEndpoints: [key(1).toBase64()] });
    assert.match(fake.snapshot(), /endpoint=127\.0\.0\.1:40001/);
    await dev.pointPeer(key(2), '198.51.100.8:51822');
    assert.doesNotMatch(fake.snapshot(), /198\.51\.100\.8/, 'a peer that is gone is not created');
  });

  it('adds AllowedIPs without replacing, and replaces only when one must go', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    await dev.set(config([peer(1)]));
    const grown = await dev.set(config([peer(1, { allowedIps: ['100.96.0.1/32', '10.1.0.0/16'] })]));
    assert.deepEqual(
      grown.peers.map((p) => [p.replaceAllowedIps, p.allowedIps, p.updateOnly]),
      [[undefined, ['10.1.0.0/16'], true]],
    );
    const shrunk = await dev.set(config([peer(1, { allowedIps: ['10.1.0.0/16'] })]));
    assert.deepEqual(shrunk.peers.map((p) => [p.replaceAllowedIps, p.allowedIps]), [[true, ['10.1.0.0/16']]]);
    assert.match(fake.snapshot(), /allowed=10\.1\.0\.0\/16$/);
  });

  it('removes stale peers and re-adds peers someone else removed', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    await dev.set(config([peer(1), peer(2)]));
    await fake.set({ peers: [{ publicKey: key(1), remove: true }] }); // an operator's `wg set … remove`
    await dev.set(config([peer(1), peer(3)]));
    assert.equal(fake.snapshot(), expected(config([peer(1), peer(3)])));
  });

  it('reaches every desired state from every other, in random order', async () => {
    const rng = seededRng(5);
    const states: DeviceConfig[] = [
      config([]),
      config([peer(1), peer(2)]),
      config([peer(1, { allowedIps: ['100.96.0.1/32', '10.0.0.0/8'] }), peer(3, { persistentKeepaliveSec: 0 })]),
      config([peer(2, { endpoint: '127.0.0.1:9999', presharedKey: key(9) }), peer(3)]),
      { ...config([peer(4, { allowedIps: ['10.0.0.0/8'] }), peer(5, { endpoint: undefined })]), listenPort: 51823, fwmark: 0 },
      { ...config([peer(1)]), privateKey: key(201) },
    ];
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    for (let i = 0; i < 60; i++) {
      const want = states[rng.int(0, states.length)];
      await dev.set(want);
      assert.equal(fake.snapshot(), expected(want), `step ${i}`);
      assert.deepEqual(await dev.set(want), { peers: [] }, `step ${i} converged`);
    }
  });

  it('compares canonical forms, so a non-canonical desired prefix converges', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    const want = config([peer(1, { allowedIps: ['10.1.2.3/16', '10.1.0.0/16'], endpoint: '[fd00:0::1]:51822' })]);
    await dev.set(want);
    assert.match(fake.snapshot(), /endpoint=\[fd00::1\]:51822 .* allowed=10\.1\.0\.0\/16$/);
    assert.deepEqual(await dev.set(want), { peers: [] });
  });

  it('rejects configs WireGuard would mangle, before touching the device', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    const bad: [DeviceConfig, RegExp][] = [
      [config([peer(1, { allowedIps: ['10.0.0.0/8'] }), peer(2, { allowedIps: ['10.0.0.0/8'] })]), /AllowedIP 10\.0\.0\.0\/8 is on both/],
      [config([peer(1), peer(1)]), /listed twice/],
      [config([{ publicKey: publicKeyOf(priv), allowedIps: [] }]), /own key/],
      [config([peer(1, { allowedIps: ['10.0.0.0/99'] })]), /bad prefix length/],
      [config([peer(1, { endpoint: 'example.com:51820' })]), /not an IP address|endpoint/],
      [{ ...config([]), listenPort: 70000 }, /listen port 70000/],
      [config([peer(1, { persistentKeepaliveSec: -1 })]), /keepalive -1/],
    ];
    for (const [c, re] of bad) await assert.rejects(dev.set(c), (e: unknown) => e instanceof InvalidConfigError && re.test(e.message), String(re));
    assert.equal(fake.updates.length, 0);
  });

  it('checks peers against each other on every set, also peer objects it has seen before', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    const a = peer(1, { allowedIps: ['10.0.0.7/8'] });
    const b = peer(2, { allowedIps: ['10.9.0.0/16'] });
    await dev.set(config([a]));
    await dev.set(config([b]));
    await assert.rejects(dev.set(config([a, peer(2, { allowedIps: ['10.0.0.0/8'] })])), /AllowedIP 10\.0\.0\.0\/8 is on both/);
    await assert.rejects(dev.set(config([a, a])), /listed twice/);
    assert.deepEqual(await dev.set(config([b])), { peers: [] });
  });

  it('reports per-peer stats from one read', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    await dev.set(config([peer(1)]));
    fake.traffic(key(1), 1_700_000_000_000, 100, 200);
    assert.deepEqual(await dev.stats(), [
      { publicKey: key(1).toBase64(), endpoint: '192.0.2.1:51822', lastHandshakeMs: 1_700_000_000_000, rxBytes: 100, txBytes: 200 },
    ]);
  });

  it('retries the whole difference after a failed set', async () => {
    const fake = new FakeWireGuardBackend();
    const dev = new WireGuardDevice({ backend: fake });
    fake.failNextSet = 'boom';
    await assert.rejects(dev.set(config([peer(1)])), /boom/);
    await dev.set(config([peer(1)]));
    assert.equal(fake.snapshot(), expected(config([peer(1)])));
  });
});
