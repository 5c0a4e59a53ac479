import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { openDgramPort } from '../net/dgram-port';
import type { UdpPort } from '../net/udp-port';
import type { TransportAddress } from '../net/address';
import { bindingRequest, readBindingResult } from '../stun/binding';
import { StunClass } from '../stun/constants';
import { decodeStun, encodeStun, findAttribute, type StunMessage } from '../stun/message';
import { SimNetwork } from '../testing/nat-sim';
import { StunServer } from './stun-server';

const tid = Buffer.from('000102030405060708090a0b', 'hex');

/** Sends `req` from a fresh public sim socket and collects every reply with its source. */
async function ask(net: SimNetwork, clock: FakeClock, to: TransportAddress, req: StunMessage | Buffer): Promise<{ m: StunMessage; from: TransportAddress }[]> {
  const client = net.bind('203.0.113.9');
  const got: { m: StunMessage; from: TransportAddress }[] = [];
  client.onMessage((d, from) => got.push({ m: decodeStun(d), from }));
  await client.send(Buffer.isBuffer(req) ? req : encodeStun(req), to);
  await clock.advance(10);
  await client.close();
  return got;
}

describe('StunServer', () => {
  let clock: FakeClock;
  let net: SimNetwork;
  let server: StunServer;
  const A = '198.51.100.1';
  const B = '198.51.100.2';

  beforeEach(() => {
    clock = new FakeClock();
    net = new SimNetwork({ clock, rng: seededRng(1) });
    server = new StunServer({
      sockets: { primary: net.bind(A, 3478), altPort: net.bind(A, 3479), altIp: net.bind(B, 3478), altBoth: net.bind(B, 3479) },
      software: 'test',
    });
    server.start();
  });

  it('answers a modern request with XOR-MAPPED, MAPPED, RESPONSE-ORIGIN, OTHER-ADDRESS and FINGERPRINT', async () => {
    const [r] = await ask(net, clock, { ip: A, port: 3478 }, bindingRequest({ transactionId: tid }));
    assert.ok(r);
    assert.equal(r.m.cls, StunClass.SuccessResponse);
    assert.deepEqual(r.m.transactionId, tid);
    assert.deepEqual(r.m.attributes.map((a) => a.kind), ['xor-mapped-address', 'mapped-address', 'response-origin', 'other-address', 'software', 'fingerprint']);
    assert.deepEqual(readBindingResult(r.m), { mapped: { ip: '203.0.113.9', port: 40000 }, origin: { ip: A, port: 3478 }, other: { ip: B, port: 3479 } });
  });

  it('answers each CHANGE-REQUEST from the right IP and port, whichever socket received it', async () => {
    const cases: [TransportAddress, boolean, boolean, TransportAddress][] = [
      [{ ip: A, port: 3478 }, true, true, { ip: B, port: 3479 }],
      [{ ip: A, port: 3478 }, false, true, { ip: A, port: 3479 }],
      [{ ip: A, port: 3478 }, true, false, { ip: B, port: 3478 }],
      [{ ip: B, port: 3479 }, true, false, { ip: A, port: 3479 }],
      [{ ip: A, port: 3479 }, false, true, { ip: A, port: 3478 }],
    ];
    for (const [to, changeIp, changePort, want] of cases) {
      const [r] = await ask(net, clock, to, bindingRequest({ transactionId: tid, changeIp, changePort }));
      assert.deepEqual(r?.from, want);
      assert.deepEqual(findAttribute(r.m, 'response-origin')?.address, want);
      // OTHER-ADDRESS is relative to where the request arrived.
      assert.deepEqual(findAttribute(r.m, 'other-address')?.address, { ip: to.ip === A ? B : A, port: to.port === 3478 ? 3479 : 3478 });
    }
  });

  it('answers a classic RFC 3489 client with MAPPED, SOURCE and CHANGED-ADDRESS and its 128-bit id', async () => {
    const req = bindingRequest({ transactionId: tid, classicCookie: 0x11223344, changeIp: true, changePort: true });
    const [r] = await ask(net, clock, { ip: A, port: 3478 }, req);
    assert.ok(r);
    assert.equal(r.m.cookie, 0x11223344);
    assert.deepEqual(r.m.transactionId, tid);
    assert.deepEqual(r.from, { ip: B, port: 3479 });
    assert.deepEqual(r.m.attributes.slice(0, 3), [
      { kind: 'mapped-address', address: { ip: '203.0.113.9', port: 40000 } },
      { kind: 'source-address', address: { ip: B, port: 3479 } },
      { kind: 'changed-address', address: { ip: B, port: 3479 } },
    ]);
  });

  it('rejects unknown comprehension-required attributes with 420 and lists them', async () => {
    const req = { ...bindingRequest({ transactionId: tid }), attributes: [{ kind: 'other' as const, type: 0x0031, value: Buffer.alloc(4) }, { kind: 'other' as const, type: 0x8031, value: Buffer.alloc(4) }] };
    const [r] = await ask(net, clock, { ip: A, port: 3478 }, req);
    assert.equal(r?.m.cls, StunClass.ErrorResponse);
    assert.equal(findAttribute(r.m, 'error-code')?.code, 420);
    assert.deepEqual(findAttribute(r.m, 'unknown-attributes')?.types, [0x0031]);
  });

  it('refuses CHANGE-REQUEST with 420 when it has a single socket, and answers plain requests', async () => {
    const single = new StunServer({ sockets: { primary: net.bind('198.51.100.3', 3478) } });
    single.start();
    const [plain] = await ask(net, clock, { ip: '198.51.100.3', port: 3478 }, bindingRequest({ transactionId: tid }));
    assert.equal(plain?.m.cls, StunClass.SuccessResponse);
    assert.equal(findAttribute(plain.m, 'other-address'), undefined);
    const [changed] = await ask(net, clock, { ip: '198.51.100.3', port: 3478 }, bindingRequest({ transactionId: tid, changePort: true }));
    assert.equal(findAttribute(changed!.m, 'error-code')?.code, 420);
  });

  it('honours RESPONSE-PORT and RESPONSE-ADDRESS only towards the requester itself', async () => {
    const client = net.bind('203.0.113.9', 5000);
    const side = net.bind('203.0.113.9', 5001);
    const got: number[] = [];
    side.onMessage((d) => got.push(decodeStun(d).cls));
    const base = bindingRequest({ transactionId: tid });
    await client.send(encodeStun({ ...base, attributes: [{ kind: 'response-port', port: 5001 }] }), { ip: A, port: 3478 });
    await client.send(encodeStun({ ...base, attributes: [{ kind: 'response-address', address: { ip: '192.0.2.66', port: 5001 } }] }), { ip: A, port: 3478 });
    await clock.advance(10);
    assert.deepEqual(got, [StunClass.SuccessResponse]);
    assert.equal(server.stats.errorResponses, 1);
  });

  it('counts and drops malformed and non-STUN datagrams, ignores indications, keeps serving', async () => {
    const good = encodeStun(bindingRequest({ transactionId: tid }), { fingerprint: true });
    const badFp = Buffer.from(good);
    badFp[badFp.length - 1]! ^= 1;
    const indication = encodeStun({ ...bindingRequest({ transactionId: tid }), cls: StunClass.Indication });
    for (const junk of [Buffer.from('hello'), Buffer.alloc(148, 1), badFp, indication]) {
      assert.deepEqual(await ask(net, clock, { ip: A, port: 3478 }, junk), []);
    }
    assert.equal((await ask(net, clock, { ip: A, port: 3478 }, good)).length, 1);
    assert.deepEqual({ ...server.stats }, { requests: 1, responses: 1, errorResponses: 0, malformed: 1, notStun: 2, ignored: 1, sendFailures: 0 });
  });

  it('does not claim a wildcard address as RESPONSE-ORIGIN unless one is advertised', async () => {
    const sent: Buffer[] = [];
    const port = { local: { ip: '0.0.0.0', port: 3478 }, send: async (d: Uint8Array) => void sent.push(Buffer.from(d)), onMessage: () => () => {}, close: async () => {} };
    const req = encodeStun(bindingRequest({ transactionId: tid }));
    new StunServer({ sockets: { primary: port } }).handle('primary', req, { ip: '203.0.113.9', port: 1 });
    new StunServer({ sockets: { primary: port }, advertise: { primary: { ip: '198.51.100.9', port: 3478 } } }).handle('primary', req, { ip: '203.0.113.9', port: 1 });
    assert.deepEqual(sent.map((b) => findAttribute(decodeStun(b), 'response-origin')?.address), [undefined, { ip: '198.51.100.9', port: 3478 }]);
  });

  it('survives a source address the codec cannot encode', () => {
    server.handle('primary', encodeStun(bindingRequest({ transactionId: tid })), { ip: 'not-an-ip', port: 1 });
    assert.equal(server.stats.sendFailures, 1);
  });

  it('serves real UDP sockets on loopback', async () => {
    const sockets: UdpPort[] = await Promise.all([openDgramPort({ ip: '127.0.0.1' }), openDgramPort({ ip: '127.0.0.1' })]);
    const [primary, altPort] = sockets as [UdpPort, UdpPort];
    const real = new StunServer({ sockets: { primary, altPort } });
    real.start();
    const client = await openDgramPort({ ip: '127.0.0.1' });
    try {
      const reply = new Promise<StunMessage>((resolve) => client.onMessage((d) => resolve(decodeStun(d))));
      await client.send(encodeStun(bindingRequest({ transactionId: tid })), primary.local);
      const m = await reply;
      assert.deepEqual(findAttribute(m, 'xor-mapped-address')?.address, client.local);
    } finally {
      real.stop();
      await Promise.all([primary.close(), altPort.close(), client.close()]);
    }
  });
});
