import { openDgramPort, StunServer, type StunServerSockets, type UdpPort } from '@wirekube/nat';
import type { Logger } from '@wirekube/util';

/** What `serve` binds. */
export interface ServeOptions {
  /** One or two IPs. */
  ips: string[];
  port: number;
  /** Alternate port; 0 for none. */
  altPort: number;
  software: string;
  logger: Logger;
}

/** A running STUN server and its sockets. */
export interface RunningStun {
  server: StunServer;
  close(): Promise<void>;
}

/**
 * Binds the 2×2 grid (IPs × ports, as far as given) and starts a {@link StunServer} on it. With
 * one IP or no alternate port the server is plain RFC 8489 and refuses the missing CHANGE-REQUEST
 * kinds with 420. Closes what it bound if any bind fails.
 */
export async function serveStun(o: ServeOptions): Promise<RunningStun> {
  if (o.ips.length < 1 || o.ips.length > 2) throw new Error(`serve needs one or two listen IPs, got ${o.ips.length}`);
  const bound: UdpPort[] = [];
  const open = async (ip: string | undefined, port: number) => {
    if (ip === undefined || port === 0) return undefined;
    const p = await openDgramPort({ ip, port, recvBufferSize: 4 << 20 });
    bound.push(p);
    return p;
  };
  try {
    const [a, b] = o.ips;
    const sockets: StunServerSockets = { primary: (await open(a, o.port))! };
    const altPort = await open(a, o.altPort);
    const altIp = await open(b, o.port);
    const altBoth = await open(b, o.altPort);
    if (altPort) sockets.altPort = altPort;
    if (altIp) sockets.altIp = altIp;
    if (altBoth) sockets.altBoth = altBoth;
    const server = new StunServer({ sockets, software: o.software, logger: o.logger });
    server.start();
    o.logger.info('STUN server listening', { addresses: bound.map((p) => `${p.local.ip}:${p.local.port}`), rfc5780: server.fullGrid });
    return {
      server,
      close: async () => {
        server.stop();
        await Promise.all(bound.map((p) => p.close()));
      },
    };
  } catch (err) {
    await Promise.all(bound.map((p) => p.close()));
    throw err;
  }
}
