import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { credentials, status } from '@grpc/grpc-js';
import {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameType,
  RELAY_PROTOCOL_VERSION,
  decodeError,
  encodeAddressed,
  encodeRegister,
  generateRawKeyPair,
} from '@wirekube/relay-core';
import { ControlSession, type IncomingPunch } from '@wirekube/relay-client';
import { CandidateKind, RelayControlClient, type PunchAnswer } from '@wirekube/proto';
import { systemClock } from '@wirekube/util';
import { checkHealth } from '@wirekube/runtime';
import { Registry } from 'prom-client';
import { registerRelayMetrics } from './relay-metrics';
import { startTestRelay, testAgent, until, type TestRelay } from './testing/relay-harness';

type Agent = ReturnType<typeof testAgent>;
const noHandlers = { presence() {}, punchOffer() {}, punchAnswer() {}, closed() {} };

describe('relay control channel, scale-out and abuse (real TCP + gRPC on loopback)', function () {
  this.timeout(20_000);
  const relays: TestRelay[] = [];
  const agents: Agent[] = [];
  const cleanups: Array<() => void> = [];
  const relay = async (...a: Parameters<typeof startTestRelay>) => {
    const r = await startTestRelay(...a);
    relays.push(r);
    return r;
  };
  const agent = (name: string, r: TestRelay[]) => {
    const a = testAgent(name, r.map((x) => x.address));
    agents.push(a);
    return a;
  };
  afterEach(async () => {
    for (const a of agents.splice(0)) a.client.close();
    for (const c of cleanups.splice(0)) c();
    for (const r of relays.splice(0)) await r.close();
  });

  /** A proven session plus a raw registered data socket for `keys`. */
  async function rawPeer(r: TestRelay, keys = generateRawKeyPair()) {
    const client = new RelayControlClient(`127.0.0.1:${r.address.controlPort}`, credentials.createInsecure());
    const session = await ControlSession.open(client, { ...keys, nodeName: 'raw' }, noHandlers, systemClock, 3000);
    const sock = connect({ host: '127.0.0.1', port: r.address.dataPort });
    const errors: string[] = [];
    const d = new FrameDecoder((t, p) => t === FrameType.Error && errors.push(decodeError(p).code));
    sock.on('data', (c: Buffer) => d.push(c));
    sock.on('error', () => undefined);
    sock.write(encodeRegister({ version: RELAY_PROTOCOL_VERSION, publicKey: keys.publicKey, token: session.opened.token }));
    await until(() => r.server.table.get(keys.publicKey.toString('latin1'))?.data !== undefined, 'raw peer registered');
    cleanups.push(() => {
      sock.destroy();
      session.close();
      client.close();
    });
    return { keys, sock, session, errors };
  }

  it('two replicas: delivery works whichever replicas each side reaches', async () => {
    const r1 = await relay({ replicaId: 'relay-a' });
    const r2 = await relay({ replicaId: 'relay-b' });
    const both = agent('both', [r1, r2]);
    const onlyB = agent('only-b', [r2]);
    const onlyA = agent('only-a', [r1]);
    await until(
      () =>
        both.client.reachable(onlyA.keys.publicKey) &&
        both.client.reachable(onlyB.keys.publicKey) &&
        onlyA.client.reachable(both.keys.publicKey) &&
        onlyB.client.reachable(both.keys.publicKey),
      'presence on both replicas',
    );
    assert.equal(onlyA.client.reachable(onlyB.keys.publicKey), false, 'no common replica, honestly unreachable');
    const got = { a: [] as string[], b: [] as string[], both: [] as string[] };
    onlyA.client.onDatagram((_s, d) => got.a.push(d.toString()));
    onlyB.client.onDatagram((_s, d) => got.b.push(d.toString()));
    both.client.onDatagram((_s, d) => got.both.push(d.toString()));
    both.client.send(onlyA.keys.publicKey, Buffer.from('via-a'));
    both.client.send(onlyB.keys.publicKey, Buffer.from('via-b'));
    onlyA.client.send(both.keys.publicKey, Buffer.from('a-reply'));
    onlyB.client.send(both.keys.publicKey, Buffer.from('b-reply'));
    await until(() => got.a.length === 1 && got.b.length === 1 && got.both.length === 2, 'all four datagrams');
    assert.deepEqual(got.both.sort(), ['a-reply', 'b-reply']);
    assert.equal(r1.server.counters.framesForwarded, 2);
    assert.equal(r2.server.counters.framesForwarded, 2);
    // A replica dies: a pair present on both keeps talking through the survivor.
    const both2 = agent('both-2', [r1, r2]);
    await until(() => both.client.reachable(both2.keys.publicKey) && both2.client.replicas().every((l) => l.up), 'both-2 present on both');
    await r1.close();
    relays.splice(relays.indexOf(r1), 1);
    await until(() => !both.client.replicas().some((l) => l.up && l.id === 'relay-a'), 'relay-a seen down');
    let n = 0;
    both2.client.onDatagram(() => n++);
    both.client.send(both2.keys.publicKey, Buffer.from('after failover'));
    await until(() => n === 1, 'delivery through relay-b');
  });

  it('presence: snapshot then joins and leaves', async () => {
    const r = await relay();
    const a = agent('a', [r]);
    const b = agent('b', [r]);
    await until(() => a.client.reachable(b.keys.publicKey), 'a sees b');
    assert.equal(a.client.replicas()[0]!.present.get(b.keys.publicKey.toString('latin1')), 'b');
    // A session that filters presence hears only about the keys it named.
    const c = testAgent('c', [r.address], { identity: { ...generateRawKeyPair(), nodeName: 'c', presenceFilter: () => [a.keys.publicKey] } });
    agents.push(c);
    await until(() => c.client.reachable(a.keys.publicKey), 'c sees a');
    const d = agent('d', [r]);
    await until(() => a.client.reachable(d.keys.publicKey), 'a sees d');
    assert.equal(c.client.reachable(b.keys.publicKey), false);
    assert.equal(c.client.reachable(d.keys.publicKey), false);
    assert.deepEqual([...c.client.replicas()[0]!.present.values()], ['a']);
    b.client.close();
    await until(() => !a.client.reachable(b.keys.publicKey), 'a sees b leave');
  });

  it('brokers a punch: offer with candidates and a common start time, answer back', async () => {
    const r = await relay();
    const a = agent('a', [r]);
    const b = agent('b', [r]);
    await until(() => a.client.reachable(b.keys.publicKey) && b.client.reachable(a.keys.publicKey), 'presence');
    const offers: IncomingPunch[] = [];
    const answers: PunchAnswer[] = [];
    b.client.onPunchOffer((p) => offers.push(p));
    a.client.onPunchAnswer((x) => answers.push(x));
    const cand = { kind: CandidateKind.CANDIDATE_KIND_SERVER_REFLEXIVE, endpoint: { ip: '198.51.100.7', port: 40001 }, priority: 10 };
    const before = Date.now();
    a.client.requestPunch(b.keys.publicKey, { punchId: 'p1', candidates: [cand], mode: 'direct' });
    await until(() => offers.length === 1, 'offer at b');
    const o = offers[0]!.offer;
    assert.deepEqual(Buffer.from(o.from), a.keys.publicKey);
    assert.equal(o.punchId, 'p1');
    assert.deepEqual(o.candidates, [cand]);
    assert.ok(o.startAtMs >= before + 200 && o.startAtMs <= Date.now() + 400, `start time ${o.startAtMs - before}ms ahead`);
    offers[0]!.answer({ accept: true, candidates: [{ ...cand, endpoint: { ip: '203.0.113.9', port: 50002 } }] });
    await until(() => answers.length === 1, 'answer at a');
    assert.deepEqual(Buffer.from(answers[0]!.peer), b.keys.publicKey);
    assert.equal(answers[0]!.accept, true);
    assert.equal(answers[0]!.startAtMs, o.startAtMs, 'same start time on both sides');
    // An unsolicited answer (no pending offer) is not forwarded; a request to an absent peer is refused.
    b.client.replicas()[0]!.sendControl({ msg: { $case: 'punchAnswer', punchAnswer: { peer: a.keys.publicKey, punchId: 'forged', accept: true, candidates: [], nat: undefined, startAtMs: 1, reason: '' } } });
    const ghost = generateRawKeyPair().publicKey;
    a.client.replicas()[0]!.sendControl({ msg: { $case: 'punchRequest', punchRequest: { to: ghost, punchId: 'p2', candidates: [], nat: undefined, mode: 'direct' } } });
    await until(() => answers.length === 2, 'refusal for the absent peer');
    assert.equal(answers[1]!.punchId, 'p2');
    assert.equal(answers[1]!.reason, 'peer-not-present');
    assert.ok(answers.every((x) => x.punchId !== 'forged'));
  });

  it('filtering probe goes from an alternate port, only to the requester itself', async () => {
    const probeSock = createSocket('udp4');
    await new Promise<void>((res) => probeSock.bind(0, '127.0.0.1', () => res()));
    cleanups.push(() => probeSock.close());
    const r = await relay({}, { probeSockets: { altPort: probeSock } });
    const a = agent('a', [r]);
    await until(() => !!a.client.replicas()[0]?.session, 'session');
    assert.equal(a.client.replicas()[0]!.session!.observed?.ip, '127.0.0.1');
    const rx = createSocket('udp4');
    await new Promise<void>((res) => rx.bind(0, '127.0.0.1', () => res()));
    cleanups.push(() => rx.close());
    const got = new Promise<[Buffer, number]>((res) => rx.once('message', (m, info) => res([m, info.port])));
    const resp = await a.client.filteringProbe({ ip: '127.0.0.1', port: rx.address().port }, Buffer.from('n0nce'), { port: true });
    const [msg, fromPort] = await got;
    assert.equal(msg.toString(), 'WKPROBE1n0nce');
    assert.equal(fromPort, probeSock.address().port);
    assert.deepEqual(resp.sentFrom, { ip: '127.0.0.1', port: probeSock.address().port });
    // Never towards a third party, never with a forged token, never from an IP it does not have.
    await assert.rejects(a.client.filteringProbe({ ip: '127.0.0.2', port: 9 }, Buffer.alloc(4)), (e: { code?: number }) => e.code === status.PERMISSION_DENIED);
    await assert.rejects(a.client.filteringProbe({ ip: '127.0.0.1', port: rx.address().port }, Buffer.alloc(4), { ip: true }), (e: { code?: number }) => e.code === status.FAILED_PRECONDITION);
    await assert.rejects(a.client.filteringProbe({ ip: '127.0.0.1', port: 9 }, Buffer.alloc(65)), (e: { code?: number }) => e.code === status.INVALID_ARGUMENT);
    const client = a.client.replicas()[0]!.client;
    await assert.rejects(
      new Promise((res, rej) => client.filteringProbe({ token: Buffer.alloc(32), target: { ip: '127.0.0.1', port: 9 }, nonce: Buffer.alloc(0), changeIp: false, changePort: true }, (e, v) => (e ? rej(e) : res(v)))),
      (e: { code?: number }) => e.code === status.UNAUTHENTICATED,
    );
    // Rate limited per session.
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => a.client.filteringProbe({ ip: '127.0.0.1', port: rx.address().port }, Buffer.alloc(1))));
    assert.ok(results.some((x) => x.status === 'rejected' && (x.reason as { code?: number }).code === status.RESOURCE_EXHAUSTED));
  });

  it('a registration flood is refused at the door while proven sessions keep working, memory bounded', async () => {
    const r = await relay({ handshake: { maxPending: 40, maxPendingPerIp: 20 }, data: { registerTimeoutMs: 500, socketHighWaterBytes: 256 * 1024 }, handshakeTimeoutMs: 500 });
    const a = agent('a', [r]);
    const b = agent('b', [r]);
    await until(() => a.client.reachable(b.keys.publicKey), 'presence');
    const flood: Socket[] = [];
    cleanups.push(() => flood.forEach((s) => s.destroy()));
    for (let i = 0; i < 100; i++) {
      const s = connect({ host: '127.0.0.1', port: r.address.dataPort, localAddress: '127.0.0.2' });
      s.on('error', () => undefined);
      flood.push(s);
    }
    await until(() => r.server.counters.handshakeRejects >= 80, 'excess connections refused');
    assert.ok(r.server.limiter.pending <= 20, `pending ${r.server.limiter.pending}`);
    // Another source address still gets in, and existing sessions deliver throughout.
    const c = agent('c', [r]);
    await until(() => c.client.reachable(a.keys.publicKey), 'new agent from another IP registers');
    let got = 0;
    b.client.onDatagram(() => got++);
    a.client.send(b.keys.publicKey, Buffer.from('x'));
    await until(() => got === 1, 'traffic during the flood');
    await until(() => r.server.limiter.pending === 0, 'silent connections timed out');
  });

  it('closes only the offending connection on an oversized frame, and counts unknown destinations', async () => {
    const r = await relay({ data: { registerTimeoutMs: 5000, socketHighWaterBytes: 256 * 1024, maxPayload: 2048 } });
    const a = agent('a', [r]);
    const b = agent('b', [r]);
    await until(() => a.client.reachable(b.keys.publicKey), 'presence');
    const rogue = await rawPeer(r);
    for (let i = 0; i < 50; i++) rogue.sock.write(encodeAddressed(FrameType.Send, generateRawKeyPair().publicKey, Buffer.from('nobody')));
    await until(() => r.server.counters.dropped('unknown-destination') === 50, 'unknown destinations counted');
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header[0] = FrameType.Send;
    header.writeUInt32BE(1 << 30, 1);
    rogue.sock.write(header);
    await until(() => rogue.errors.includes('oversized'), 'rogue told oversized');
    assert.equal(r.server.counters.dropped('oversized'), 1);
    const registry = new Registry();
    registerRelayMetrics(registry, r.server);
    const text = await registry.metrics();
    assert.match(text, /^wirekube_relay_drops_total\{reason="unknown-destination"\} 50$/m);
    assert.match(text, /^wirekube_relay_drops_total\{reason="oversized"\} 1$/m);
    let got = 0;
    b.client.onDatagram(() => got++);
    a.client.send(b.keys.publicKey, Buffer.from('x'));
    await until(() => got === 1, 'others unaffected');
  });

  it('serves grpc.health.v1 and Stats', async () => {
    const r = await relay({ replicaId: 'relay-z' });
    assert.equal(await checkHealth(`127.0.0.1:${r.address.controlPort}`, 'wirekube.v1.RelayControl'), 'SERVING');
    const client = new RelayControlClient(`127.0.0.1:${r.address.controlPort}`, credentials.createInsecure());
    cleanups.push(() => client.close());
    const stats = await new Promise<{ replicaId: string; sessions: number }>((res, rej) => client.stats({}, (e, v) => (e ? rej(e) : res(v))));
    assert.equal(stats.replicaId, 'relay-z');
    assert.equal(stats.sessions, 0);
  });
});
