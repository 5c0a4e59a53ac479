import type { CandidateVerdict, GatewayInput, HealthEntry } from './model';

/** Defaults the CRD schema applies; repeated here so a client never depends on the server doing it. */
export const HEALTH_DEFAULTS = { intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 } as const;

/** Inputs of {@link judgeCandidates}. */
export interface JudgeInput {
  gateway: GatewayInput;
  nowMs: number;
  /** Start of the evidence window: when this leader started, or first saw the gateway, whichever is later. */
  leaderSinceMs: number;
  /** Candidate → latest report. */
  reports: ReadonlyMap<string, HealthEntry> | undefined;
  /** Names of existing WireKubePeers. */
  peers: ReadonlySet<string>;
  connectedAgents: ReadonlySet<string>;
}

/**
 * How long a report stays evidence: the time the agent needs to notice `failureThreshold` failures
 * plus one timeout. A candidate whose agent stopped reporting for longer is unhealthy — a dead
 * node cannot say so itself. Node Ready is never consulted.
 */
export function staleAfterMs(hc: { intervalSeconds: number; timeoutSeconds: number; failureThreshold: number }): number {
  return (hc.intervalSeconds * hc.failureThreshold + hc.timeoutSeconds) * 1000;
}

/**
 * The health of every candidate, in peerRefs order. Pure. With a health check: the latest fresh
 * report decides (unhealthy at `failureThreshold` consecutive failures, counted by the agent and
 * re-checked here); no report yet and the leader is younger than the staleness window → unknown;
 * otherwise unhealthy. Without a health check the only data-plane evidence is the agent's open
 * assignment stream. A name with no WireKubePeer is unhealthy.
 */
export function judgeCandidates(inp: JudgeInput): CandidateVerdict[] {
  const hc = inp.gateway.healthCheck;
  return inp.gateway.peerRefs.map((peer): CandidateVerdict => {
    if (!inp.peers.has(peer)) return { peer, state: 'unhealthy', consecutiveFailures: 0, reason: `no WireKubePeer named ${peer}` };
    if (!hc) {
      return inp.connectedAgents.has(peer)
        ? { peer, state: 'healthy', consecutiveFailures: 0, reason: 'agent connected (no health check configured)' }
        : { peer, state: 'unhealthy', consecutiveFailures: 0, reason: 'agent not connected (no health check configured)' };
    }
    const stale = staleAfterMs(hc);
    const r = inp.reports?.get(peer);
    if (!r) {
      return inp.nowMs - inp.leaderSinceMs < stale
        ? { peer, state: 'unknown', consecutiveFailures: 0, reason: 'no health report yet' }
        : { peer, state: 'unhealthy', consecutiveFailures: 0, reason: `no health report within ${stale / 1000}s` };
    }
    const age = inp.nowMs - r.receivedAtMs;
    const base = { peer, consecutiveFailures: r.consecutiveFailures, lastProbeMs: r.probedAtMs };
    if (age > stale) return { ...base, state: 'unhealthy', reason: `last health report ${Math.round(age / 1000)}s old (agent silent)` };
    if (!r.healthy || r.consecutiveFailures >= hc.failureThreshold) {
      return { ...base, state: 'unhealthy', reason: `${r.consecutiveFailures} consecutive failed probes of ${hc.target}: ${r.detail}` };
    }
    return { ...base, state: 'healthy', reason: r.consecutiveFailures ? `healthy (${r.consecutiveFailures} recent failure(s) below threshold ${hc.failureThreshold})` : `probe of ${hc.target} ok` };
  });
}

/** The elected active candidate and why. */
export interface Election {
  active: string;
  why: string;
}

/**
 * Picks the active gateway. Pure and stable: the incumbent stays while it is healthy, or while
 * its health is still unknown right after a leader change (no withdrawal without evidence);
 * otherwise the first healthy candidate in peerRefs order — for a first election, once every
 * candidate before it has reported or the evidence window has passed. A recovered preferred candidate does
 * not preempt a healthy incumbent — that is what keeps failover from flapping back.
 */
export function elect(incumbent: string, verdicts: readonly CandidateVerdict[]): Election {
  const cur = verdicts.find((v) => v.peer === incumbent);
  if (cur && cur.state === 'healthy') return { active: cur.peer, why: `${cur.peer} active and healthy` };
  if (cur && cur.state === 'unknown') return { active: cur.peer, why: `${cur.peer} stays active until its health is known` };
  const next = verdicts.find((v) => v.state === 'healthy');
  // With nobody active yet, a preferred candidate that has not reported yet is waited for (only
  // within the evidence window), so the first election follows peerRefs order, not report order.
  const waitFor = !cur && next ? verdicts.slice(0, verdicts.indexOf(next)).find((v) => v.state === 'unknown') : undefined;
  if (waitFor) return { active: '', why: `waiting for the first health report of ${waitFor.peer}` };
  if (next) {
    const from = cur ? `; ${cur.peer} demoted: ${cur.reason}` : '';
    return { active: next.peer, why: `${next.peer} elected (first healthy candidate)${from}` };
  }
  const unhealthy = verdicts.map((v) => `${v.peer}: ${v.reason}`).join('; ');
  return { active: '', why: `no healthy candidate (${unhealthy || 'no candidates'})` };
}
