import { createHash } from 'node:crypto';
import { bindingRequest, decodeProbe, executePunch, newTransactionId, openDgramPort, readBindingResult, stunTransaction, type BirthdayPlan, type TransportAddress, type UdpPort } from '@wirekube/nat';
import type { HostPort } from '@wirekube/planner';
import type { Clock, Logger, Rng } from '@wirekube/util';

/**
 * The 16-byte token both sides of a birthday attack put in their probes: derived from the punch id
 * and both public keys, so each side computes it alone and a stranger's probes never win. Pure.
 */
export function birthdayToken(punchId: string, keyA: string, keyB: string): Buffer {
  const [x, y] = [keyA, keyB].sort();
  return createHash('sha256').update(`wirekube-birthday\0${punchId}\0${x}\0${y}`).digest().subarray(0, 16);
}

/**
 * Opens the cone side's punch socket and learns its mapping from the first STUN server that
 * answers (the symmetric side sprays at that mapping). The WireGuard port cannot be used: it is
 * WireGuard's, and probes need their own socket. Throws when no server answers.
 */
export async function openPunchSocket(stunServers: readonly HostPort[], clock: Clock, rng: Rng): Promise<{ port: UdpPort; mapped: TransportAddress }> {
  const port = await openDgramPort();
  for (const s of stunServers) {
    const reply = await stunTransaction(port, { ip: s.host, port: s.port }, bindingRequest({ transactionId: newTransactionId(rng) }), clock, { timeoutMs: 800 });
    const mapped = reply && readBindingResult(reply.message)?.mapped;
    if (mapped) return { port, mapped };
  }
  await port.close();
  throw new Error(`no STUN server (${stunServers.map((s) => `${s.host}:${s.port}`).join(', ')}) answered the punch socket`);
}

/**
 * Bridges WireGuard to the socket that won a birthday attack: WireGuard sends to a loopback socket
 * (the bridge's endpoint, which the path machine publishes), the bridge forwards to the peer from
 * the punched socket, and what the peer sends back is handed to WireGuard from the loopback
 * socket, so WireGuard keeps sending there. Punch probes still arriving after the win are not
 * WireGuard's and are dropped. Keepalives through the bridge keep the NAT mappings alive.
 */
export class WgBridge {
  private constructor(
    private readonly loop: UdpPort,
    private readonly punched: UdpPort,
    private readonly offs: Array<() => void>,
    /** Where WireGuard must send to reach the peer through the bridge. */
    readonly endpoint: HostPort,
  ) {}

  /** Opens the loopback side and starts forwarding between WireGuard (`127.0.0.1:wgPort`) and `remote`. */
  static async open(o: { punched: UdpPort; remote: TransportAddress; wgPort: number; logger: Logger }): Promise<WgBridge> {
    const loop = await openDgramPort({ ip: '127.0.0.1' });
    const wg = { ip: '127.0.0.1', port: o.wgPort };
    const lost = (what: string) => (err: unknown) => o.logger.debug(`birthday bridge: ${what} send failed`, { err: String(err) });
    const offs = [
      loop.onMessage((data, from) => {
        if (from.ip === wg.ip && from.port === wg.port) o.punched.send(data, o.remote).catch(lost('peer'));
      }),
      o.punched.onMessage((data, from) => {
        if (from.ip !== o.remote.ip || from.port !== o.remote.port || decodeProbe(data)) return;
        loop.send(data, wg).catch(lost('WireGuard'));
      }),
    ];
    return new WgBridge(loop, o.punched, offs, { host: '127.0.0.1', port: loop.local.port });
  }

  /** Stops forwarding and releases both sockets. */
  async close(): Promise<void> {
    for (const off of this.offs) off();
    await Promise.all([this.loop.close(), this.punched.close()]);
  }
}

/**
 * Runs one side of a birthday attack at the common start: the symmetric side (`many-sockets`)
 * sprays from many sockets at the cone side's punch socket, the cone side (`many-ports`) sprays
 * predicted ports from `socket`, both bounded in rate and time by the plan. The winning socket is
 * bridged to WireGuard ({@link WgBridge}); on failure every socket is closed and the reason says why.
 */
export async function runBirthday(o: { plan: BirthdayPlan; token: Buffer; socket?: UdpPort; startAtMs: number; wgPort: number; clock: Clock; logger: Logger }): Promise<{ bridge: WgBridge; remote: string; sent: number; ms: number } | { reason: string }> {
  if (o.plan.role === 'many-ports' && !o.socket) return { reason: 'birthday attack: this side has no punch socket for the punch' };
  // The many-sockets side sprays only from the sockets `open` makes; executePunch still takes a punch socket.
  const port = o.socket ?? (await openDgramPort());
  try {
    const win = await executePunch(o.plan, { port, open: () => openDgramPort(), token: o.token, clock: o.clock, startAtMs: o.startAtMs });
    if (!o.socket) void port.close();
    if (!win) {
      void port.close();
      return { reason: `birthday attack: no probe got through in ${o.plan.durationMs} ms (${o.plan.role}, p≈${o.plan.successProbability.toFixed(2)})` };
    }
    const bridge = await WgBridge.open({ punched: win.port, remote: win.remote, wgPort: o.wgPort, logger: o.logger });
    return { bridge, remote: `${win.remote.ip}:${win.remote.port}`, sent: win.sent, ms: Math.round(win.elapsedMs) };
  } catch (err) {
    void port.close();
    return { reason: `birthday attack failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
