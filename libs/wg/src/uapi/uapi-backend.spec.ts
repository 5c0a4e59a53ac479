import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@wirekube/util/testing';
import { BackendError } from '../backend';
import { WireGuardDevice } from '../device';
import { WgKey } from '../key/key';
import { FakeUapiServer } from '../testing';
import { UapiErrnoError } from './codec';
import { UapiBackend } from './uapi-backend';

describe('UapiBackend (against the in-process UAPI server)', () => {
  let dir: string;
  let server: FakeUapiServer;
  let backend: UapiBackend;
  const key = (n: number) => WgKey.fromBytes(Buffer.alloc(32, n));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wk-uapi-'));
    server = new FakeUapiServer(join(dir, 'wk0.sock'));
    await server.start();
    backend = new UapiBackend({ iface: 'wk0', socketDir: dir });
  });
  afterEach(async () => {
    await backend.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a device through set and get on one connection, replies in 7-byte chunks', async () => {
    server.chunkBytes = 7;
    const dev = new WireGuardDevice({ backend });
    const desired = {
      privateKey: key(9),
      listenPort: 51822,
      fwmark: 0x574b,
      peers: [1, 2, 3].map((n) => ({ publicKey: key(n), endpoint: `192.0.2.${n}:51822`, allowedIps: [`100.96.0.${n}/32`], persistentKeepaliveSec: 25 })),
    };
    await dev.set(desired);
    server.device.traffic(key(2), 1_700_000_000_123, 10, 20);
    const live = await backend.get();
    assert.deepEqual(live.peers.map((p) => [p.publicKey.toBase64(), p.endpoint, p.allowedIps, p.lastHandshakeMs, p.rxBytes]), [
      [key(1).toBase64(), '192.0.2.1:51822', ['100.96.0.1/32'], 0, 0],
      [key(2).toBase64(), '192.0.2.2:51822', ['100.96.0.2/32'], 1_700_000_000_123, 10],
      [key(3).toBase64(), '192.0.2.3:51822', ['100.96.0.3/32'], 0, 0],
    ]);
    assert.deepEqual(await dev.set(desired), { peers: [] });
    assert.equal(server.connections, 1, 'all requests on one connection');
  });

  it('serialises concurrent requests on the one connection', async () => {
    server.chunkBytes = 5;
    const ops = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? backend.set({ listenPort: 1000 + i, peers: [{ publicKey: key(i), allowedIps: [`10.0.${i}.0/24`] }] }) : backend.get(),
    );
    await Promise.all(ops);
    const live = await backend.get();
    assert.equal(live.listenPort, 1019);
    assert.equal(live.peers.length, 10);
    assert.equal(server.connections, 1);
  });

  it('reconnects after the daemon drops the connection', async () => {
    await backend.get();
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await backend.get()).listenPort, 0);
    assert.equal(server.connections, 2);
  });

  it('retries once on a fresh connection when the kept-open one died unnoticed', async () => {
    await backend.get();
    server.dropNextRequest = true;
    assert.equal((await backend.get()).listenPort, 0);
    assert.equal(server.connections, 2);
    const fresh = new UapiBackend({ iface: 'wk0', socketDir: dir });
    server.dropNextRequest = true;
    await assert.rejects(fresh.get(), /connection lost before a reply/, 'no retry on a brand-new connection');
    await fresh.close();
  });

  it('turns a non-zero errno into a typed error and keeps working', async () => {
    server.device.failNextSet = 'nope';
    await assert.rejects(backend.set({ fwmark: 1, peers: [] }), (e: unknown) => e instanceof UapiErrnoError && e.errno === -22);
    assert.equal((await backend.get()).fwmark, 0);
  });

  it('times out a stalled daemon with a BackendError', async () => {
    const clock = new FakeClock(0);
    const b = new UapiBackend({ iface: 'wk0', socketDir: dir, clock, timeoutMs: 1000 });
    server.stall = true;
    const p = b.get();
    await new Promise((r) => setTimeout(r, 20));
    const check = assert.rejects(p, (e: unknown) => e instanceof BackendError && /no reply within 1000 ms/.test(e.message));
    await clock.advance(1000);
    await check;
    await b.close();
  });

  it('reports a missing socket as a BackendError', async () => {
    const b = new UapiBackend({ iface: 'nope', socketDir: dir });
    await assert.rejects(b.get(), /cannot connect/);
  });
});
