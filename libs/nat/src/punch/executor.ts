import type { Clock } from '@wirekube/util';
import type { UdpPort, UdpPortFactory } from '../net/udp-port';
import type { PunchPlan } from './planner';
import { spray, type SprayWin } from './sprayer';

/** What {@link executePunch} needs besides the plan. */
export interface ExecuteOptions {
  /** The punch socket (the one that should end up connected). Never closed here. */
  port: UdpPort;
  /** Opens the extra sockets of the `many-sockets` birthday role. */
  open: UdpPortFactory;
  /** Session token from the coordinated punch offer (16 bytes). */
  token: Buffer;
  clock: Clock;
  /** Unix ms at which both sides start (from the relay's offer). Absent: now. */
  startAtMs?: number;
  signal?: AbortSignal;
}

/**
 * Carries out a plan: waits for the agreed start, then probes. A direct plan probes every target
 * from `port` once per interval; a birthday plan sprays as its role says — on success in the
 * `many-sockets` role the winner is one of the extra sockets, and all the others are closed.
 * Resolves undefined for a relay plan, on timeout and on abort.
 */
export async function executePunch(plan: PunchPlan, o: ExecuteOptions): Promise<SprayWin | undefined> {
  if (plan.kind === 'relay') return undefined;
  const wait = (o.startAtMs ?? 0) - o.clock.now();
  if (wait > 0) await o.clock.sleep(wait, o.signal).catch(() => undefined);
  if (o.signal?.aborted) return undefined;
  const common = { token: o.token, clock: o.clock, ...(o.signal && { signal: o.signal }) };
  if (plan.kind === 'direct') {
    const ratePerSec = Math.ceil((plan.targets.length * 1000) / plan.intervalMs);
    return spray({ ...common, sockets: [o.port], targets: plan.targets, ratePerSec, durationMs: plan.durationMs });
  }
  if (plan.role === 'many-ports') {
    return spray({ ...common, sockets: [o.port], targets: plan.targets, ratePerSec: plan.ratePerSec, durationMs: plan.durationMs });
  }
  const sockets: UdpPort[] = [];
  try {
    for (let i = 0; i < plan.sockets; i++) sockets.push(await o.open());
  } catch (err) {
    await Promise.all(sockets.map((s) => s.close()));
    throw err;
  }
  return spray({ ...common, sockets, targets: plan.targets, ratePerSec: plan.ratePerSec, durationMs: plan.durationMs, release: (s) => void s.close() });
}
