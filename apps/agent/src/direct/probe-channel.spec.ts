import { strict as assert } from 'node:assert';
import { createSocket } from 'node:dgram';
import { nullLogger } from '@wirekube/util';
import { decodeProbePacket, encodeProbePacket, ProbeChannel } from './probe-channel';

describe('active path probes (ProbeChannel)', () => {
  const open: ProbeChannel[] = [];
  afterEach(() => open.splice(0).forEach((c) => c.close()));

  it('round-trips probe datagrams and names what is wrong with anything else', () => {
    const p = { kind: 'reply' as const, nonce: 0xdeadbeef, seq: 42 };
    assert.deepEqual(decodeProbePacket(encodeProbePacket(p)), { ok: true, packet: p });
    assert.deepEqual(decodeProbePacket(Buffer.alloc(3)), { ok: false, reason: 'probe must be 16 bytes, got 3' });
    assert.deepEqual(decodeProbePacket(Buffer.alloc(16)), { ok: false, reason: 'bad magic' });
    const odd = encodeProbePacket(p);
    odd[4] = 9;
    assert.deepEqual(decodeProbePacket(odd), { ok: false, reason: 'unknown probe kind 9' });
  });

  it('echoes probes between two agents, answers only known peers and believes only its own nonce', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const replies: Array<[string, number]> = [];
    const a = new ProbeChannel({ port, isPeer: (ip) => ip === '127.0.0.3', onReply: (ip, seq) => replies.push([ip, seq]), logger: nullLogger });
    const b = new ProbeChannel({ port, isPeer: (ip) => ip === '127.0.0.2', onReply: () => assert.fail('b sent nothing'), logger: nullLogger });
    open.push(a, b);
    await a.bind('127.0.0.2');
    await b.bind('127.0.0.3');
    assert.equal(a.send('127.0.0.3', 7), true);
    while (replies.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(replies, [['127.0.0.3', 7]]);

    // A stranger's request is not answered; a reply with another run's nonce is not believed.
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.bind({ address: '127.0.0.4', port: 0 }, r));
    let answered = false;
    stranger.on('message', () => (answered = true));
    const droppedBefore = b.dropped;
    stranger.send(encodeProbePacket({ kind: 'request', nonce: 1, seq: 1 }), port, '127.0.0.3');
    const forged = createSocket('udp4');
    await new Promise<void>((r) => forged.bind({ address: '127.0.0.3', port: 0 }, r));
    forged.send(encodeProbePacket({ kind: 'reply', nonce: 12345, seq: 99 }), port, '127.0.0.2');
    forged.send(Buffer.from('garbage'), port, '127.0.0.2');
    while (b.dropped === droppedBefore || a.dropped < 2) await new Promise((r) => setTimeout(r, 5));
    assert.equal(answered, false);
    assert.deepEqual(replies, [['127.0.0.3', 7]]);
    stranger.close();
    forged.close();
  });

  it('fails to bind an address the node does not have, and can bind later', async () => {
    const c = new ProbeChannel({ port: 0, isPeer: () => true, onReply: () => {}, logger: nullLogger });
    open.push(c);
    await assert.rejects(c.bind('192.0.2.77'), /EADDRNOTAVAIL/);
    assert.equal(c.send('127.0.0.1', 1), false);
    await c.bind('127.0.0.5');
  });
});
