import { type Socket, createServer, connect } from 'node:net';
import { join } from 'node:path';
import type { LabHost } from './host';
import type { LabProcess } from './process';

/** The unix-socket ⇄ TCP pipe run inside namespaces (see its header). */
export const BRIDGE_TOOL = join(__dirname, 'bridge-tool.mjs');

/** Options for {@link serveIntoLab}. */
export interface ServeIntoLabOptions {
  /** Unix socket a server in the test process listens on (e.g. `server.listen(path)`). */
  socketPath: string;
  /** TCP port to listen on inside the host. */
  port: number;
  /** Address inside the host to listen on; default the host's primary address. */
  addr?: string;
}

/**
 * Makes a server that runs in the test process reachable inside the lab at `addr:port` of `host`
 * — e.g. the in-memory Kubernetes API stand-in on the `api` host — without routing anything to
 * the root namespace: a supervised pipe process inside the host carries bytes over a unix socket.
 * Resolves once the pipe listens.
 */
export async function serveIntoLab(host: LabHost, o: ServeIntoLabOptions): Promise<LabProcess> {
  const proc = host.spawn([process.execPath, BRIDGE_TOOL, 'tcp-to-unix', o.addr ?? host.addr, String(o.port), o.socketPath], { name: `serve-${o.port}` });
  await proc.waitForOutput(/^ready$/, 5000);
  return proc;
}

/** Options for {@link exposeFromLab}. */
export interface ExposeFromLabOptions {
  /** TCP port of the server inside the host. */
  port: number;
  /** Its address inside the host; default the host's primary address. */
  addr?: string;
  /** Unix socket to create; default `<host dir>/tcp-<port>.sock`. */
  socketPath?: string;
}

/**
 * Makes a TCP server that runs inside `host` reachable from the test process through a unix socket
 * (connect with `net.connect(socketPath)`, `http.request({ socketPath })`, grpc `unix:` targets, or
 * wrap it with {@link loopbackToUnix} for URL-only clients). Resolves once the pipe listens.
 */
export async function exposeFromLab(host: LabHost, o: ExposeFromLabOptions): Promise<{ proc: LabProcess; socketPath: string }> {
  const socketPath = o.socketPath ?? join(host.dir, `tcp-${o.port}.sock`);
  const proc = host.spawn([process.execPath, BRIDGE_TOOL, 'unix-to-tcp', socketPath, o.addr ?? host.addr, String(o.port)], { name: `expose-${o.port}` });
  await proc.waitForOutput(/^ready$/, 5000);
  return { proc, socketPath };
}

/** A loopback listener created by {@link loopbackToUnix}. */
export interface LoopbackBridge {
  /** Port on 127.0.0.1 in the test process's namespace. */
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (random port) in the test process and pipes every connection to
 * `socketPath` — for clients that only accept a URL (kubectl, client-node) to reach a server in
 * the lab exposed with {@link exposeFromLab}. The caller closes it.
 */
export function loopbackToUnix(socketPath: string): Promise<LoopbackBridge> {
  const conns = new Set<Socket>();
  const server = createServer((c) => {
    const u = connect(socketPath);
    conns.add(c).add(u);
    c.pipe(u).pipe(c);
    const close = () => {
      c.destroy();
      u.destroy();
      conns.delete(c);
      conns.delete(u);
    };
    for (const s of [c, u]) s.on('error', close).on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : 0,
        close: () =>
          new Promise<void>((res) => {
            for (const s of conns) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
