import type { ConditionValue } from './model';
import type { GatewayOutcome } from './plan';

/** A condition as written to the API (metav1.Condition shape). */
export interface StatusCondition extends ConditionValue {
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** WireKubeGateway.status as the controller writes it. */
export interface GatewayStatusValue {
  activePeer: string;
  ready: boolean;
  routesInjected: number;
  peerHealth: Array<{ peer: string; healthy: boolean; consecutiveFailures: number; lastProbe?: string; reason: string }>;
  lastHealthCheck?: string;
  observedGeneration: number;
  conditions: StatusCondition[];
}

/** Inputs of {@link gatewayStatus}. */
export interface StatusInput {
  outcome: GatewayOutcome;
  /** AllowedIPs of the active peer as last observed (not as desired): status reports what is. */
  observedActiveAllowedIPs: readonly string[];
  previous?: { activePeer?: string; conditions?: StatusCondition[] };
  nowMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Builds the status that is true for this outcome. Pure. `routesInjected` counts accepted routes
 * present in the active peer's observed AllowedIPs, so Ready turns true only once the injection
 * is visible. `ActivePeerChanged` keeps the reason of the last change (failover and why) until
 * the active peer changes again. Transition times move only when a condition's status flips (metav1.Condition semantics).
 */
export function gatewayStatus(inp: StatusInput): GatewayStatusValue {
  const o = inp.outcome;
  const observed = new Set(inp.observedActiveAllowedIPs);
  const injected = o.active ? o.routes.accepted.filter((c) => observed.has(c)).length : 0;
  const total = o.routes.accepted.length;
  const ready = o.active !== '' && total > 0 && injected === total;
  const conds: ConditionValue[] = [];
  if (ready) conds.push({ type: 'Ready', status: 'True', reason: 'ActiveGatewayHealthy', message: `${o.why}; ${injected}/${total} route(s) injected` });
  else if (total === 0) conds.push({ type: 'Ready', status: 'False', reason: 'NoUsableRoutes', message: 'no route was accepted (see RoutesAccepted)' });
  else if (!o.active) conds.push({ type: 'Ready', status: 'False', reason: 'NoHealthyCandidate', message: o.why });
  else conds.push({ type: 'Ready', status: 'False', reason: 'RoutesNotInjected', message: `${o.why}; ${injected}/${total} route(s) in ${o.active}'s AllowedIPs so far` });
  if (o.routes.refused.length === 0) conds.push({ type: 'RoutesAccepted', status: 'True', reason: 'AllRoutesAccepted', message: `${total} route(s) accepted` });
  else conds.push({ type: 'RoutesAccepted', status: 'False', reason: o.routes.refused[0].reason, message: o.routes.refused.map((r) => r.message).join('; ') });
  conds.push(...o.problems);
  const prevActive = inp.previous?.activePeer ?? '';
  const prevChange = inp.previous?.conditions?.find((c) => c.type === 'ActivePeerChanged');
  if (prevActive !== o.active || !prevChange) {
    const reason = !o.active ? 'NoActivePeer' : prevActive ? 'FailedOver' : 'Elected';
    conds.push({ type: 'ActivePeerChanged', status: 'True', reason, message: prevActive && prevActive !== o.active ? `${prevActive} → ${o.active || 'none'}: ${o.why}` : o.why });
  } else {
    conds.push({ type: prevChange.type, status: prevChange.status, reason: prevChange.reason, message: prevChange.message });
  }
  return {
    activePeer: o.active,
    ready,
    routesInjected: injected,
    peerHealth: o.verdicts.map((v) => ({
      peer: v.peer,
      healthy: v.state === 'healthy',
      consecutiveFailures: v.consecutiveFailures,
      ...(v.lastProbeMs !== undefined ? { lastProbe: iso(v.lastProbeMs) } : {}),
      reason: v.reason.slice(0, 256),
    })),
    ...(o.lastHealthCheckMs !== undefined ? { lastHealthCheck: iso(o.lastHealthCheckMs) } : {}),
    observedGeneration: o.generation,
    conditions: withTransitions(conds, inp.previous?.conditions ?? [], inp.nowMs, o.generation),
  };
}

function withTransitions(next: ConditionValue[], prev: readonly StatusCondition[], nowMs: number, generation: number): StatusCondition[] {
  return next.map((c) => {
    const p = prev.find((x) => x.type === c.type);
    const keep = p && p.status === c.status;
    return { ...c, message: c.message.slice(0, 32768), lastTransitionTime: keep ? p.lastTransitionTime : iso(nowMs), observedGeneration: generation };
  });
}
