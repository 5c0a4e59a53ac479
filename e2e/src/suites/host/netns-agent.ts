// A small RPC server run *inside* a lab namespace (rtnetlink, /proc/sys/net and iptables act on
// the namespace of the calling process, and Node cannot setns). The test process talks to it over
// a unix socket with one JSON object per line: {id, op, args} → {id, ok, result | error}.
// Usage: node -r tsx/cjs netns-agent.ts <socket path>
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { errorMessage } from '@wirekube/util';
import type { HostPlan } from '@wirekube/host';
import { execIptables, HostNetworking, procSysctl, RtNetlinkHost, snapshotHost } from '@wirekube/host';
import type { WireGuardBackend } from '@wirekube/wg';
import { dgramSocketFactory, EpermSafeUdpSocket, KernelProvider, openBackend, UserspaceProvider } from '@wirekube/wg';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: netns-agent <socket path>');

const rt = new RtNetlinkHost();
const net = new HostNetworking({ routes: rt, rules: rt, link: rt, sysctl: procSysctl(), iptables: execIptables() });
let userspace: UserspaceProvider | undefined;
let backend: WireGuardBackend | undefined;
let udp: EpermSafeUdpSocket | undefined;
const received: { data: string; port: number }[] = [];

const ops: Record<string, (args: never) => Promise<unknown>> = {
  'host.set': (plan: HostPlan) => net.set(plan),
  'host.cleanup': (a: { link?: string }) => net.cleanup(a.link),
  'host.snapshot': (a: { link: string }) => snapshotHost({ routes: rt, rules: rt, link: rt }, a.link),
  /** The backend chain as the agent runs it: kernel first, then wireguard-go. */
  'wg.open': async (a: { iface: string }) => {
    userspace = new UserspaceProvider({ socketDir: '/run/wireguard' });
    const reasons: string[] = [];
    backend = await openBackend([new KernelProvider(), userspace], a.iface, (_, err) => reasons.push(err.message));
    return { kind: backend.kind, pid: userspace.supervisor?.pid, kernelError: reasons[0] };
  },
  'wg.stop': async () => {
    await backend?.close();
    await userspace?.supervisor?.stop();
    return {};
  },
  /** An EPERM-safe socket connected to a local receiver, both in this namespace. */
  'udp.open': async () => {
    const rx = createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    rx.on('message', (m, info) => received.push({ data: m.toString(), port: info.port }));
    udp = new EpermSafeUdpSocket({
      factory: dgramSocketFactory(),
      localAddress: '127.0.0.1',
      localPort: 0,
      remote: { address: '127.0.0.1', port: rx.address().port },
      recreateBackoff: { initialMs: 100, maxMs: 400 },
    });
    await udp.open();
    return { localPort: udp.localPort, remotePort: rx.address().port };
  },
  'udp.send': async (a: { data: string }) => ({ sent: await udp!.send(Buffer.from(a.data)), healthy: udp!.healthy, stats: udp!.stats() }),
  'udp.state': async () => ({ healthy: udp!.healthy, stats: udp!.stats() }),
  'udp.received': async () => received,
};

const server = createServer((conn) => {
  let buf = '';
  conn.on('data', (chunk) => {
    buf += chunk.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const req = JSON.parse(line) as { id: number; op: string; args: unknown };
      const op = ops[req.op];
      (op ? op(req.args as never) : Promise.reject(new Error(`unknown op ${req.op}`))).then(
        (result) => conn.write(`${JSON.stringify({ id: req.id, ok: true, result })}\n`),
        (err: unknown) => conn.write(`${JSON.stringify({ id: req.id, ok: false, error: errorMessage(err) })}\n`),
      );
    }
  });
  conn.on('error', () => undefined);
});
rmSync(socketPath, { force: true });
server.listen(socketPath, () => console.log('netns-agent ready'));
const shutdown = async () => {
  udp?.close();
  await userspace?.supervisor?.stop();
  rt.close();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
