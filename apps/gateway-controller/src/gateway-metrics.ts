import { Gauge, type Registry } from 'prom-client';
import { scrapeTimeMetrics } from '@wirekube/runtime';
import type { GatewayController } from './gateway-controller';

/**
 * Exposes the controller's state on `registry`. Values are read at scrape time from the
 * controller's plain counters and last decisions, so reconciling never touches prom-client.
 */
export function registerGatewayMetrics(registry: Registry, ctl: GatewayController): void {
  const { counter, gauge } = scrapeTimeMetrics(registry);
  gauge('wirekube_gateway_leader', '1 while this replica holds the Lease.', () => (ctl.isLeader ? 1 : 0));
  gauge('wirekube_gateway_agents_connected', 'Agents holding an assignment stream with this replica.', () => ctl.service.connected().size);
  counter('wirekube_gateway_reconciles_total', 'Reconciles run.', () => ctl.reconcileStats.reconciles);
  counter('wirekube_gateway_reconcile_errors_total', 'Reconciles that failed (retried with backoff).', () => ctl.reconcileStats.errors);
  counter('wirekube_gateway_failovers_total', 'Times a gateway moved from one active peer to another.', () => ctl.counters.failovers);
  counter('wirekube_gateway_peer_patches_total', 'WireKubePeer AllowedIPs patches written.', () => ctl.counters.peerPatches);
  counter('wirekube_gateway_peer_patch_errors_total', 'WireKubePeer AllowedIPs patches that failed.', () => ctl.counters.peerPatchErrors);
  counter('wirekube_gateway_health_reports_total', 'Health reports accepted from agents.', () => ctl.service.counters.reportsAccepted);
  counter('wirekube_gateway_health_reports_rejected_total', 'Health reports refused (unknown gateway, not a candidate, not leading).', () => ctl.service.counters.reportsRejected);
  new Gauge({
    name: 'wirekube_gateway_ready',
    help: 'Per WireKubeGateway: 1 when an active peer carries every accepted route.',
    labelNames: ['gateway', 'active_peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [gateway, o] of ctl.outcomes) this.set({ gateway, active_peer: o.active || 'none' }, o.ready ? 1 : 0);
    },
  });
}
