import { formatHostPort, parseHostPort, type HostPort } from '@wirekube/planner';
import type { Clock } from '@wirekube/util';

/** What a punch needs from WireGuard: point one peer somewhere, read its counters, make it send. */
export interface WgPunchPort {
  /** Points the peer at `endpoint` now, outside the plan (the punch owns the endpoint meanwhile). */
  point(endpoint: HostPort): Promise<void>;
  /** The peer's current endpoint (after roaming) and received bytes, if the peer exists. */
  read(): Promise<{ endpoint?: string; rxBytes: number } | undefined>;
  /** Makes WireGuard send to the peer now (a probe through the tunnel). */
  nudge(): void;
}

/** Options of {@link punchWithWireGuard}. */
export interface WgPunchOptions {
  targets: readonly HostPort[];
  /** Unix ms at which both sides start (from the relay's offer). */
  startAtMs: number;
  /**
   * How long the whole punch lasts, on both sides alike: the targets share it (each gets at least
   * `minPerTargetMs`), so a side with one target keeps sending for as long as a side cycling
   * through many predicted ports needs to reach the right one.
   */
  windowMs: number;
  minPerTargetMs: number;
  /** How often counters are read and WireGuard is nudged while trying a target. */
  pollMs: number;
  /** At most this many targets are tried. */
  maxTargets: number;
  clock: Clock;
  port: WgPunchPort;
  /** True once the punch is no longer wanted (peer gone, agent closing). */
  cancelled(): boolean;
}

/** Where the peer's packets came from (the endpoint to verify), or why none came. */
export type WgPunchResult = { endpoint: HostPort } | { reason: string };

const isLoopback = (e: HostPort) => e.host.startsWith('127.') || e.host === '::1';

/**
 * Hole punching with the WireGuard port itself (DESIGN §5): no other socket can punch for it,
 * since a NAT mapping belongs to the socket that sent. At the common start both agents point
 * WireGuard at each other's candidates and make it send; the first packets open both NATs.
 * Success is a packet from the peer arriving over the underlay: WireGuard then either keeps the
 * target (the peer sent from it) or has roamed to the peer's real source, which is the endpoint
 * returned. Relayed packets arriving meanwhile make WireGuard roam back to the relay proxy; the
 * target is re-pointed and their bytes do not count. Targets are tried in order. With no target
 * (the peer's NAT maps per destination, and this side accepts any source) this side only waits
 * out the window for the peer's packets to arrive and WireGuard to roam to them.
 */
export async function punchWithWireGuard(o: WgPunchOptions): Promise<WgPunchResult> {
  const wait = (ms: number) => new Promise<void>((r) => o.clock.setTimeout(r, Math.max(0, ms)));
  await wait(o.startAtMs - o.clock.now());
  const targets = o.targets.slice(0, o.maxTargets);
  if (targets.length === 0) return waitForPeer(o);
  const perTargetMs = Math.max(o.minPerTargetMs, Math.floor(o.windowMs / targets.length));
  for (const target of targets) {
    if (o.cancelled()) return { reason: 'punch cancelled' };
    await o.port.point(target);
    let mark = (await o.port.read())?.rxBytes ?? 0;
    o.port.nudge();
    const until = o.clock.now() + perTargetMs;
    while (o.clock.now() < until) {
      await wait(o.pollMs);
      if (o.cancelled()) return { reason: 'punch cancelled' };
      const seen = await arrival(o, mark);
      if (seen.done) return seen.done;
      if (seen.relayed) {
        // A relayed packet made WireGuard roam back; keep punching at the target.
        await o.port.point(target);
        mark = seen.rxBytes;
      }
      o.port.nudge();
    }
  }
  return { reason: `no WireGuard packet came back from ${targets.map(formatHostPort).join(', ')} within ${targets.length * perTargetMs} ms` };
}

/** The passive side of a punch: succeeds when WireGuard roams to a non-loopback source with new bytes. */
async function waitForPeer(o: WgPunchOptions): Promise<WgPunchResult> {
  const wait = (ms: number) => new Promise<void>((r) => o.clock.setTimeout(r, Math.max(0, ms)));
  const mark = (await o.port.read())?.rxBytes ?? 0;
  const until = o.clock.now() + o.windowMs;
  while (o.clock.now() < until) {
    await wait(o.pollMs);
    if (o.cancelled()) return { reason: 'punch cancelled' };
    const seen = await arrival(o, mark);
    if (seen.done) return seen.done;
  }
  return { reason: `no target to aim at, and no WireGuard packet from the peer arrived within ${o.windowMs} ms` };
}

/**
 * One read of the peer's counters during a punch: `done` when the punch is over (a packet came over
 * the underlay — bytes beyond `mark` with WireGuard pointing at a non-loopback source — or the peer
 * is gone); `relayed` when WireGuard has roamed back to the relay proxy.
 */
async function arrival(o: WgPunchOptions, mark: number): Promise<{ done?: WgPunchResult; relayed: boolean; rxBytes: number }> {
  const now = await o.port.read();
  if (!now) return { done: { reason: 'the WireGuard peer disappeared during the punch' }, relayed: false, rxBytes: mark };
  const ep = now.endpoint ? parseHostPort(now.endpoint) : undefined;
  const loop = !!ep?.ok && isLoopback(ep.value);
  if (ep?.ok && !loop && now.rxBytes > mark) return { done: { endpoint: ep.value }, relayed: false, rxBytes: now.rxBytes };
  return { relayed: loop, rxBytes: now.rxBytes };
}
