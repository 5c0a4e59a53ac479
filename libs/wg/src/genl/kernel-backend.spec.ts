import assert from 'node:assert/strict';
import { WgKey } from '../key/key';
import { BackendError } from '../backend';
import { attr, WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE, WGDEVICE_A } from './codec';
import type { GenlTransport } from './kernel-backend';
import { KernelBackend } from './kernel-backend';

/** Records requests and answers GET with a canned dump; fails SET on demand. */
class FakeTransport implements GenlTransport {
  readonly requests: { cmd: number; payload: Buffer; dump: boolean }[] = [];
  failSet?: string;
  closed = false;
  constructor(private readonly dump: Buffer[]) {}
  async request(cmd: number, payload: Buffer, dump: boolean): Promise<Buffer[]> {
    this.requests.push({ cmd, payload, dump });
    if (cmd === WG_CMD_SET_DEVICE && this.failSet) throw new Error(this.failSet);
    return cmd === WG_CMD_GET_DEVICE ? this.dump : [];
  }
  close(): void {
    this.closed = true;
  }
}

describe('KernelBackend', () => {
  it('dumps with GET_DEVICE and decodes the reply', async () => {
    const port = Buffer.alloc(2);
    port.writeUInt16LE(51822);
    const t = new FakeTransport([attr(WGDEVICE_A.LISTEN_PORT, port)]);
    const b = new KernelBackend('wire_kube', t);
    assert.equal((await b.get()).listenPort, 51822);
    assert.deepEqual(t.requests.map((r) => [r.cmd, r.dump]), [[WG_CMD_GET_DEVICE, true]]);
    assert.equal(t.requests[0].payload.subarray(4, 13).toString(), 'wire_kube');
  });

  it('sends large updates as several SET_DEVICE messages and skips empty ones', async () => {
    const t = new FakeTransport([]);
    const b = new KernelBackend('wk', t);
    await b.set({ peers: [] });
    assert.equal(t.requests.length, 0);
    const peers = Array.from({ length: 600 }, (_, i) => ({ publicKey: WgKey.fromBytes(Buffer.alloc(32, i % 256)), allowedIps: [`10.${i >> 8}.${i & 255}.0/24`] }));
    await b.set({ listenPort: 1, peers });
    assert.ok(t.requests.length > 1);
    assert.ok(t.requests.every((r) => r.cmd === WG_CMD_SET_DEVICE && !r.dump));
  });

  it('wraps kernel errors and malformed dumps in BackendError', async () => {
    const t = new FakeTransport([Buffer.from('0300', 'hex')]);
    const b = new KernelBackend('wk', t);
    await assert.rejects(b.get(), (e: unknown) => e instanceof BackendError && /kernel WireGuard get wk/.test(e.message));
    t.failSet = 'Request rejected: ENODEV';
    await assert.rejects(b.set({ fwmark: 1, peers: [] }), /set wk: Request rejected: ENODEV/);
    await b.close();
    assert.equal(t.closed, true);
  });
});
