import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { generatePrivateKey, publicKeyOf } from '@wirekube/wg';
import { useLab } from '../../lab';
import { IFACE, PORT, WgNode as Node } from './wg-node';

describe('wg: userspace backend against wireguard-go in the lab', function () {
  this.timeout(30_000);
  const lab = useLab({ sites: [{ name: 'dc', nat: 'public', nodes: ['a', 'b'] }], services: [] });
  let a: Node;
  let b: Node;

  beforeEach(async () => {
    a = new Node(lab().host('a'), '10.99.0.1');
    b = new Node(lab().host('b'), '10.99.0.2');
    await Promise.all([a.start(), b.start()]);
  });
  afterEach(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const ping = (from: Node, to: Node) => from.host.exec(['ping', '-n', '-q', '-c2', '-i0.2', '-W2', to.meshIp], { allowFail: true });

  it('configures, handshakes, reads stats back, and leaves a roamed endpoint alone', async () => {
    const staleGuess = `${a.host.addr}:9999`; // b's path manager has a wrong endpoint for a
    await a.device.set(a.config(b, `${b.host.addr}:${PORT}`));
    await b.device.set(b.config(a, staleGuess));
    const dev = await a.backend.get();
    assert.deepEqual([dev.listenPort, dev.fwmark, dev.privateKey?.toBase64()], [PORT, 0x574b, a.key.toBase64()]);
    const shown = await a.host.exec(['wg', 'show', IFACE, 'public-key']);
    assert.equal(shown.stdout.trim(), a.pub.toBase64(), '`wg` agrees with our key derivation');

    const r = await ping(a, b);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const stats = (await a.device.stats())[0];
    assert.ok(Date.now() - stats.lastHandshakeMs < 30_000, `handshake at ${stats.lastHandshakeMs}`);
    assert.ok(stats.rxBytes > 0 && stats.txBytes > 0);
    assert.equal(stats.endpoint, `${b.host.addr}:${PORT}`);

    // b roamed to a's real source; re-applying the same desired state must not undo that.
    assert.equal((await b.peer(a.pub))?.endpoint, `${a.host.addr}:${PORT}`);
    assert.deepEqual(await b.device.set(b.config(a, staleGuess)), { peers: [] });
    assert.equal((await b.peer(a.pub))?.endpoint, `${a.host.addr}:${PORT}`);
    // …unless the path manager explicitly asks for it.
    await b.device.set(b.config(a, staleGuess), { forceEndpoints: [a.pub.toBase64()] });
    assert.equal((await b.peer(a.pub))?.endpoint, staleGuess);
  });

  it('adds and replaces AllowedIPs and removes stale peers exactly (checked with `wg`)', async () => {
    const ghost = publicKeyOf(generatePrivateKey());
    const base = a.config(b, `${b.host.addr}:${PORT}`);
    await a.device.set({ ...base, peers: [...base.peers, { publicKey: ghost, allowedIps: ['10.98.0.0/16'] }] });
    const grown = await a.device.set(a.config(b, `${b.host.addr}:${PORT}`, ['10.50.0.0/16']));
    assert.deepEqual(grown.peers.map((p) => [p.remove ?? false, p.replaceAllowedIps ?? false]), [[false, false], [true, false]]);
    let ips = await a.host.exec(['wg', 'show', IFACE, 'allowed-ips']);
    assert.equal(ips.stdout.trim(), `${b.pub.toBase64()}\t10.99.0.2/32 10.50.0.0/16`);
    const shrunk = await a.device.set({ ...base, peers: [{ ...base.peers[0], allowedIps: ['10.50.0.0/16'] }] });
    assert.equal(shrunk.peers[0].replaceAllowedIps, true);
    ips = await a.host.exec(['wg', 'show', IFACE, 'allowed-ips']);
    assert.equal(ips.stdout.trim(), `${b.pub.toBase64()}\t10.50.0.0/16`);
  });

  it('restarts wireguard-go after it is killed; re-applying restores the tunnel', async () => {
    await a.device.set(a.config(b, `${b.host.addr}:${PORT}`));
    await b.device.set(b.config(a, `${a.host.addr}:${PORT}`));
    assert.equal((await ping(a, b)).code, 0);
    const oldPid = a.sup.pid!;
    process.kill(oldPid, 'SIGKILL'); // a process our supervisor started, by PID
    const deadline = Date.now() + 10_000;
    while (a.restarted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(a.sup.restarts, 1);
    assert.notEqual(a.sup.pid, oldPid);
    assert.equal((await a.backend.get()).peers.length, 0, 'a fresh wireguard-go starts empty');
    await a.linkUp();
    await a.device.set(a.config(b, `${b.host.addr}:${PORT}`));
    const r = await ping(a, b);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('stop removes the UAPI socket and no restart follows', async () => {
    const sock = a.host.wgSocket(IFACE);
    assert.ok(existsSync(sock));
    await a.sup.stop(); // resolves on exit; wireguard-go removes its socket before exiting
    assert.equal(existsSync(sock), false);
    assert.equal(a.sup.pid, undefined);
  });
});
