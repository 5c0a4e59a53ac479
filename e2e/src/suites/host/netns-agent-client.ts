import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { LabHost, LabProcess } from '../../lab';

const AGENT = resolve(__dirname, 'netns-agent.ts');
const E2E_ROOT = resolve(__dirname, '../../..');

/**
 * Test-side handle on a `netns-agent` running inside a lab host. `call(op, args)` runs one
 * operation in that host's namespaces and resolves with its result (rejects with its error).
 */
export class NetnsAgent {
  private seq = 0;
  private buf = '';
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly proc: LabProcess,
    private readonly conn: Socket,
  ) {
    conn.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`netns-agent connection closed\n${proc.tail(20)}`));
      this.pending.clear();
    });
    conn.on('data', (chunk) => {
      this.buf += chunk.toString();
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const msg = JSON.parse(this.buf.slice(0, nl)) as { id: number; ok: boolean; result?: unknown; error?: string };
        this.buf = this.buf.slice(nl + 1);
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.result);
        else p?.reject(new Error(msg.error));
      }
    });
  }

  /** Starts the agent in `host` (supervised by the lab) and connects to it. */
  static async start(host: LabHost): Promise<NetnsAgent> {
    const sock = join(host.dir, 'netns-agent.sock');
    const proc = host.spawn([process.execPath, '--require', 'tsx/cjs', AGENT, sock], { name: 'netns-agent', cwd: E2E_ROOT });
    await proc.waitForOutput(/netns-agent ready/, 15_000);
    const conn = await new Promise<Socket>((ok, fail) => {
      const c = connect(sock, () => ok(c));
      c.once('error', fail);
    });
    return new NetnsAgent(proc, conn);
  }

  call<T>(op: string, args: unknown = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.conn.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** Disconnects and stops the agent (SIGTERM: it stops what it started). */
  async stop(): Promise<void> {
    this.conn.destroy();
    await this.proc.stop();
  }
}
