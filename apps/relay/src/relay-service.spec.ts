import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { credentials } from '@grpc/grpc-js';
import { encodeAddressed, encodeRegister, FrameDecoder, FrameType, generateRawKeyPair, RELAY_PROTOCOL_VERSION, decodeError } from '@wirekube/relay-core';
import { ControlSession, DataChannel, RelayClientError } from '@wirekube/relay-client';
import { RelayControlClient } from '@wirekube/proto';
import { systemClock } from '@wirekube/util';
import { Registry } from 'prom-client';
import { registerRelayMetrics } from './relay-metrics';
import { startTestRelay, testAgent, until, type TestRelay } from './testing/relay-harness';

type Agent = ReturnType<typeof testAgent>;

describe('relay service (real TCP + gRPC on loopback)', function () {
  this.timeout(20_000);
  let relay: TestRelay;
  const agents: Agent[] = [];
  const sockets: Socket[] = [];
  const agent = (name: string, r = [relay.address]) => {
    const a = testAgent(name, r);
    agents.push(a);
    return a;
  };

  beforeEach(async () => {
    relay = await startTestRelay();
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) a.client.close();
    for (const s of sockets.splice(0)) s.destroy();
    await relay.close();
  });

  it('carries datagrams between two agents intact and in order', async () => {
    const a = agent('a');
    const b = agent('b');
    await until(() => a.client.reachable(b.keys.publicKey) && b.client.reachable(a.keys.publicKey), 'mutual presence');
    const got: string[] = [];
    b.client.onDatagram((src, data) => {
      assert.deepEqual(Buffer.from(src), a.keys.publicKey);
      got.push(data.toString());
    });
    for (let i = 0; i < 500; i++) assert.equal(a.client.send(b.keys.publicKey, Buffer.from(`dgram-${i}-${'x'.repeat(i % 1400)}`)), true);
    await until(() => got.length === 500, '500 datagrams');
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => `dgram-${i}-${'x'.repeat(i % 1400)}`));
    let back = '';
    a.client.onDatagram((_s, d) => (back = d.toString()));
    b.client.send(a.keys.publicKey, Buffer.from('pong'));
    await until(() => back === 'pong', 'reply');
    const stats = relay.server.stats();
    assert.equal(stats.sessions, 2);
    assert.equal(stats.framesForwarded, 501);
    // The same counters, as Prometheus scrapes them.
    const registry = new Registry();
    registerRelayMetrics(registry, relay.server);
    const text = await registry.metrics();
    assert.match(text, /^wirekube_relay_sessions 2$/m);
    assert.match(text, /^wirekube_relay_frames_forwarded_total 501$/m);
    assert.match(text, /^wirekube_relay_frames_received_total 501$/m);
    assert.match(text, /^wirekube_relay_queue_depth_max 0$/m);
  });

  it('refuses a control session that cannot prove the key, and the owner keeps working', async () => {
    const a = agent('a');
    const b = agent('b');
    await until(() => a.client.reachable(b.keys.publicKey), 'presence');
    // The thief claims a's public key but holds another private key.
    const thief = generateRawKeyPair();
    const client = new RelayControlClient(`127.0.0.1:${relay.address.controlPort}`, credentials.createInsecure());
    const handlers = { presence() {}, punchOffer() {}, punchAnswer() {}, closed() {} };
    await assert.rejects(
      ControlSession.open(client, { privateKey: thief.privateKey, publicKey: a.keys.publicKey, nodeName: 'thief' }, handlers, systemClock, 3000),
      (e: unknown) => e instanceof RelayClientError && e.code === 'auth-failed',
    );
    client.close();
    assert.equal(relay.server.counters.authFailures, 1);
    let got = 0;
    b.client.onDatagram(() => got++);
    a.client.send(b.keys.publicKey, Buffer.from('still here'));
    await until(() => got === 1, 'owner still delivers');
    assert.equal(relay.server.table.size, 2);
  });

  it('ends control streams that stall in the handshake or send nonsense, counting them', async () => {
    await relay.close();
    relay = await startTestRelay({ handshakeTimeoutMs: 300 });
    const client = new RelayControlClient(`127.0.0.1:${relay.address.controlPort}`, credentials.createInsecure());
    const errorOf = (msgs: Array<Parameters<ReturnType<typeof client.session>['write']>[0]>) =>
      new Promise<string>((resolve) => {
        const call = client.session();
        call.on('data', (m: { msg?: { $case: string; error?: { code: string } } }) => m.msg?.$case === 'error' && resolve(m.msg.error!.code));
        call.on('error', () => undefined);
        for (const m of msgs) call.write(m);
      });
    const keys = generateRawKeyPair();
    const hello = { msg: { $case: 'hello' as const, hello: { publicKey: keys.publicKey, nodeName: 'x', version: RELAY_PROTOCOL_VERSION, presenceFilter: [] } } };
    assert.equal(await errorOf([hello]), 'handshake-timeout');
    assert.equal(await errorOf([{ msg: { $case: 'proof', proof: { mac: Buffer.alloc(32) } } }]), 'bad-message');
    assert.equal(await errorOf([{ msg: { ...hello.msg, hello: { ...hello.msg.hello, publicKey: Buffer.alloc(7) } } }]), 'bad-message');
    assert.equal(await errorOf([{ msg: { ...hello.msg, hello: { ...hello.msg.hello, version: 99 } } }]), 'unsupported-version');
    assert.equal(await errorOf([hello, { msg: { $case: 'proof', proof: { mac: Buffer.alloc(3) } } }]), 'auth-failed');
    assert.equal(relay.server.counters.handshakeRejects, 1);
    assert.equal(relay.server.counters.authFailures, 1);
    await until(() => relay.server.limiter.pending === 0, 'handshake slots released');
    client.close();
  });

  it('refuses a data connection with a forged token without touching the registered one', async () => {
    const a = agent('a');
    const b = agent('b');
    await until(() => a.client.reachable(b.keys.publicKey), 'presence');
    const err = await assert.rejects(
      DataChannel.open({ host: '127.0.0.1', port: relay.address.dataPort, publicKey: a.keys.publicKey, token: Buffer.alloc(32, 7), timeoutMs: 3000, keepaliveMs: 10_000, maxBufferedBytes: 1 << 20, clock: systemClock }),
      (e: unknown) => e instanceof RelayClientError && e.code === 'auth-failed',
    );
    void err;
    // A real token of b presented for a's key is refused as well.
    const bToken = b.client.replicas()[0]!.session!.token;
    await assert.rejects(
      DataChannel.open({ host: '127.0.0.1', port: relay.address.dataPort, publicKey: a.keys.publicKey, token: bToken, timeoutMs: 3000, keepaliveMs: 10_000, maxBufferedBytes: 1 << 20, clock: systemClock }),
      (e: unknown) => e instanceof RelayClientError && e.code === 'auth-failed',
    );
    assert.equal(relay.server.counters.authFailures, 2);
    let got = 0;
    a.client.onDatagram(() => got++);
    b.client.send(a.keys.publicKey, Buffer.from('x'));
    await until(() => got === 1, 'a still receives');
  });

  it('re-registration by the owner replaces the old session cleanly', async () => {
    const a = agent('a');
    const b = agent('b');
    await until(() => b.client.reachable(a.keys.publicKey), 'presence');
    // "Agent restart": a new client with the same key pair.
    const restarted = testAgent('a', [relay.address], { identity: { ...a.keys, nodeName: 'a-restarted' } });
    agents.push(restarted);
    await until(() => restarted.client.reachable(b.keys.publicKey), 'restarted agent present');
    await until(() => a.client.replicas()[0]!.lastError?.code === 'replaced', 'old session told it was replaced');
    assert.equal(relay.server.table.size, 2);
    let oldGot = 0;
    let newGot = 0;
    a.client.onDatagram(() => oldGot++);
    restarted.client.onDatagram(() => newGot++);
    a.client.close();
    b.client.send(a.keys.publicKey, Buffer.from('to the restarted agent'));
    await until(() => newGot === 1, 'restarted agent receives');
    assert.equal(oldGot, 0);
    assert.equal(relay.server.table.get(a.keys.publicKey.toString('latin1'))?.nodeName, 'a-restarted');
  });

  it('a stalled receiver does not delay anyone else, and its drops are counted', async () => {
    await relay.close();
    relay = await startTestRelay({ queue: { maxBytes: 256 * 1024, maxItems: 1024 }, data: { registerTimeoutMs: 5000, socketHighWaterBytes: 64 * 1024 } });
    const sender = agent('sender');
    const fast = agent('fast');
    const stalledKeys = generateRawKeyPair();
    // The stalled receiver: a proven session whose data connection never reads.
    const client = new RelayControlClient(`127.0.0.1:${relay.address.controlPort}`, credentials.createInsecure());
    const handlers = { presence() {}, punchOffer() {}, punchAnswer() {}, closed() {} };
    const session = await ControlSession.open(client, { ...stalledKeys, nodeName: 'stalled' }, handlers, systemClock, 3000);
    const raw = connect({ host: '127.0.0.1', port: relay.address.dataPort });
    sockets.push(raw);
    raw.write(encodeRegister({ version: RELAY_PROTOCOL_VERSION, publicKey: stalledKeys.publicKey, token: session.opened.token }));
    await new Promise<void>((r) => raw.once('data', () => r()));
    raw.pause();
    await until(() => sender.client.reachable(fast.keys.publicKey) && sender.client.reachable(stalledKeys.publicKey), 'presence');
    let fastGot = 0;
    fast.client.onDatagram(() => fastGot++);
    const payload = Buffer.alloc(1300, 1);
    // Flood the stalled receiver with far more than its socket + queue can hold, interleaved with
    // traffic for the fast one, in bursts so the sender's own socket keeps up.
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 200; i++) sender.client.send(stalledKeys.publicKey, payload);
      for (let i = 0; i < 10; i++) sender.client.send(fast.keys.publicKey, payload);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => fastGot === 400, 'every datagram for the fast receiver', 10_000);
    const stalledEntry = relay.server.table.get(stalledKeys.publicKey.toString('latin1'))!;
    assert.ok(stalledEntry.queue.bytes <= 256 * 1024, `stalled queue bounded: ${stalledEntry.queue.bytes}`);
    assert.ok(relay.server.counters.dropped('queue-full') > 0, 'drops counted');
    assert.ok(relay.server.stats().maxQueueDepth > 0);
    session.close();
    client.close();
  });

  it('survives garbage, oversized lengths, silent clients and sends to unknown keys', async () => {
    await relay.close();
    relay = await startTestRelay({ data: { registerTimeoutMs: 300, socketHighWaterBytes: 256 * 1024 } });
    const a = agent('a');
    const b = agent('b');
    await until(() => a.client.reachable(b.keys.publicKey), 'presence');
    const errorOf = (bytes: Buffer) =>
      new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: relay.address.dataPort });
        sockets.push(s);
        const d = new FrameDecoder((t, p) => t === FrameType.Error && resolve(decodeError(p).code));
        s.on('data', (c: Buffer) => d.push(c));
        s.on('error', () => undefined);
        if (bytes.length) s.write(bytes);
      });
    assert.equal(await errorOf(Buffer.from('GET / HTTP/1.1\r\n\r\n')), 'unknown-frame-type');
    assert.equal(await errorOf(Buffer.from('01ffffffff', 'hex')), 'oversized');
    assert.equal(await errorOf(encodeAddressed(FrameType.Send, b.keys.publicKey, Buffer.from('before register'))), 'malformed');
    assert.equal(await errorOf(Buffer.alloc(0)), 'register-timeout');
    // Sends to keys nobody registered are dropped and counted, the connection stays.
    for (let i = 0; i < 100; i++) a.client.send(generateRawKeyPair().publicKey, Buffer.from('lost'));
    let got = 0;
    b.client.onDatagram(() => got++);
    a.client.send(b.keys.publicKey, Buffer.from('fine'));
    await until(() => got === 1, 'normal traffic still flows');
    assert.equal(a.client.unroutable, 100, 'the client does not even send to keys not present');
    assert.equal(relay.server.limiter.pending, 0);
  });
});
