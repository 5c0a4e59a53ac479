import type { HostPort, PathState } from '@wirekube/planner';
import type { NatReport } from '@wirekube/proto';
import type { PeerStats, WgKey } from '@wirekube/wg';

/** True when two published paths would plan and report the same (kind, endpoint, reason). */
export function samePath(a: PathState | undefined, b: PathState | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind !== b.kind || a.reason !== b.reason) return false;
  if (a.kind === 'down' || b.kind === 'down') return true;
  return a.endpoint.host === b.endpoint.host && a.endpoint.port === b.endpoint.port;
}

/** How punches are executed with the WireGuard port (see `punchWithWireGuard`). */
export interface PunchTuning {
  windowMs: number;
  minPerTargetMs: number;
  pollMs: number;
  maxTargets: number;
}

/**
 * Defaults of {@link PunchTuning}: a 3 s punch on both sides; each target gets at least 150 ms (a
 * few round trips plus a counter read), so up to 20 (host, reflexive, predicted) fit.
 */
export const DEFAULT_PUNCH_TUNING: PunchTuning = { windowMs: 3000, minPerTargetMs: 150, pollMs: 50, maxTargets: 20 };

/** What this node knows about itself for the pair matrix and punch messages. */
export interface LocalFacts {
  /** The stun-probe's NAT report, once there is one. */
  report?: NatReport;
  /** The WireGuard port's published reflexive endpoint (see `reconcileWgEndpoint`). */
  wgEndpoint?: HostPort;
  /** This node's underlay addresses (host candidates) and their subnets (`10.0.1.2/24`). */
  hostIps: readonly string[];
  localSubnets: readonly string[];
  /** This node's own birthday-attack annotation, if set. */
  birthday?: boolean;
}

/** The WireGuard device as the paths use it. */
export interface PathDevice {
  stats(): Promise<PeerStats[]>;
  pointPeer(key: WgKey, endpoint: string): Promise<void>;
}
