import type { PunchPlan, TransportAddress, UdpPort } from '@wirekube/nat';
import type { MeshConfig } from '@wirekube/planner';
import { PortAllocation, type Candidate } from '@wirekube/proto';
import { errorMessage, type Clock, type Logger, type Rng } from '@wirekube/util';
import { openPunchSocket } from './birthday';
import { localPunchSide, toWireCandidates } from './candidates';
import type { LocalFacts } from './direct-types';

/**
 * The candidates this side sends for a punch, and the punch socket it must keep when it has one.
 * - The cone side of a birthday attack sprays from a punch socket of its own (WireGuard's port is
 *   WireGuard's): its STUN mapping is the one candidate.
 * - Behind a sequential symmetric NAT every new flow since the NAT report took the next port, so
 *   the report's ports are stale by punch time: a STUN binding from a new socket just before the
 *   punch samples the newest port, and the predicted candidates follow it (WireGuard's flow to the
 *   peer, opened at the start, gets one of the next ones).
 * - Otherwise: host candidates, the WireGuard port's reflexive endpoint, predictions from the report.
 */
export async function punchCandidates(o: { mode: 'direct' | 'birthday'; plan: PunchPlan; local: LocalFacts; mesh: MeshConfig; clock: Clock; rng: Rng; logger: Logger }): Promise<{ candidates: Candidate[]; socket?: { port: UdpPort; mapped: TransportAddress } }> {
  const side = (mapped?: TransportAddress) =>
    localPunchSide({
      ...(o.local.report && { report: mapped ? { ...o.local.report, mapped: { ip: mapped.ip, port: mapped.port } } : o.local.report }),
      ...(o.local.wgEndpoint && { wgEndpoint: o.local.wgEndpoint }),
      hostIps: o.local.hostIps,
      listenPort: o.mesh.listenPort,
    });
  if (o.mode === 'birthday' && o.plan.kind === 'birthday' && o.plan.role === 'many-ports') {
    const socket = await openPunchSocket(o.mesh.stunServers, o.clock, o.rng);
    return { candidates: toWireCandidates([{ kind: 'server-reflexive', address: socket.mapped, priority: 500 }]), socket };
  }
  if (o.local.report?.allocation !== PortAllocation.PORT_ALLOCATION_SEQUENTIAL || o.local.wgEndpoint) return { candidates: toWireCandidates(side().candidates) };
  try {
    const probe = await openPunchSocket(o.mesh.stunServers, o.clock, o.rng);
    void probe.port.close();
    return { candidates: toWireCandidates(side(probe.mapped).candidates) };
  } catch (err) {
    o.logger.debug('no fresh allocation sample; predicting from the NAT report', { err: errorMessage(err) });
    return { candidates: toWireCandidates(side().candidates) };
  }
}
