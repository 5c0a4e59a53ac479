import type { NodePlan } from './node-plan';
import { formatHostPort } from './domain-host-port';

/**
 * Renders a plan as sorted `ip`/`wg`-style lines, one fact per line, for snapshot tests, logs and
 * `wirekubectl explain`. Equal plans render identically.
 */
export function renderPlan(plan: NodePlan): string[] {
  const d = plan.device;
  const lines = [
    `link ${d.name} listen-port ${d.listenPort} fwmark 0x${d.fwmark.toString(16)} mtu ${d.mtu}`,
    ...d.addresses.map((a) => `ip address add ${a} dev ${d.name}`),
    ...plan.peers.map(
      (p) =>
        `wg peer ${p.node} ${p.publicKey} allowed-ips ${p.allowedIps.join(',') || '(none)'} endpoint ${p.endpoint ? formatHostPort(p.endpoint) : '(unchanged)'} keepalive ${p.persistentKeepaliveSec}`,
    ),
    ...plan.routes.map((r) =>
      r.type === 'throw'
        ? `ip route add throw ${r.cidr} table ${r.table} metric ${r.metric}`
        : `ip route add ${r.cidr} dev ${r.dev} src ${r.src} table ${r.table} metric ${r.metric}`,
    ),
    ...plan.rules.map((r) => `ip rule add priority ${r.priority}${r.fwmark !== undefined ? ` fwmark 0x${r.fwmark.toString(16)}` : ''}${r.to ? ` to ${r.to}` : ''} lookup ${r.table}`),
    ...plan.problems.map((p) => `problem ${p.node} ${p.reason}: ${p.message}`),
  ];
  return lines;
}
