import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { FrameDecoder, FrameType, KEY_BYTES, encodeFrame } from '@wirekube/relay-core';
import { FakeClock } from '@wirekube/util/testing';
import { DataChannel } from './index';

/** A relay stand-in: answers REGISTER with REGISTERED and records the SEND frames it gets. */
async function fakeRelay(): Promise<{ server: Server; port: number; sends: Buffer[] }> {
  const sends: Buffer[] = [];
  const server = createServer((s) => {
    const d = new FrameDecoder((type, payload) => {
      if (type === FrameType.Register) s.write(encodeFrame(FrameType.Registered));
      else if (type === FrameType.Send) sends.push(Buffer.from(payload.subarray(KEY_BYTES)));
    });
    s.on('data', (c: Buffer) => d.push(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, sends };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('relay data channel', () => {
  const dst = Buffer.alloc(32, 7);

  it('writes each turn\'s frames in one write, a full batch at once, intact and in order', async () => {
    const relay = await fakeRelay();
    let socket: Socket | undefined;
    let writes = 0;
    const ch = await DataChannel.open({
      host: '127.0.0.1',
      port: relay.port,
      publicKey: Buffer.alloc(32, 1),
      token: Buffer.alloc(32, 2),
      timeoutMs: 5000,
      keepaliveMs: 60_000,
      maxBufferedBytes: 1 << 20,
      clock: new FakeClock(0),
      onSocket: (s) => (socket = s),
    });
    const write = socket!.write.bind(socket);
    socket!.write = ((...args: Parameters<Socket['write']>) => (writes++, write(...args))) as Socket['write'];
    try {
      for (const m of ['a', 'b', 'c']) ch.send(dst, Buffer.from(m));
      assert.equal(writes, 0, 'nothing written before the turn ends');
      await turn();
      assert.equal(writes, 1, 'one write for the turn');
      // 60 full-size datagrams overflow one 64 KiB batch buffer: the full one leaves at once.
      const big = Buffer.alloc(1400, 9);
      for (let i = 0; i < 60; i++) ch.send(dst, big);
      assert.equal(writes, 2, 'the full batch left without waiting for the turn');
      await turn();
      assert.equal(writes, 3);
      ch.send(dst, Buffer.from('d'));
      await turn();
      await new Promise((r) => setTimeout(r, 50));
      const got = relay.sends.map((b) => (b.length === 1 ? b.toString() : b.equals(big) ? 'big' : 'corrupt'));
      assert.deepEqual(got, ['a', 'b', 'c', ...Array<string>(60).fill('big'), 'd']);
      assert.equal(ch.dropped, 0);
    } finally {
      ch.close();
      relay.server.close();
    }
  });
});
