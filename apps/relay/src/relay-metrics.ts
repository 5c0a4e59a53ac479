import { Counter, type Registry } from 'prom-client';
import { scrapeTimeMetrics } from '@wirekube/runtime';
import type { RelayServer } from './relay-server';

/**
 * Exposes a replica's counters on `registry`. Values are read from the relay's plain counters at
 * scrape time (collect callbacks), so the forwarding hot path never touches prom-client.
 */
export function registerRelayMetrics(registry: Registry, relay: RelayServer): void {
  const c = relay.counters;
  const { counter, gauge } = scrapeTimeMetrics(registry);
  gauge('wirekube_relay_sessions', 'Proven peer sessions on this replica.', () => relay.table.size);
  gauge('wirekube_relay_handshakes_pending', 'Connections and streams that have not proven a key yet.', () => relay.limiter.pending);
  gauge('wirekube_relay_queued_bytes', 'Bytes waiting in all destination queues.', () => relay.forwarder.queued);
  gauge('wirekube_relay_queue_depth_max', 'Datagrams in the deepest destination queue.', () => relay.stats().maxQueueDepth);
  counter('wirekube_relay_frames_received_total', 'SEND frames received from agents.', () => c.framesIn);
  counter('wirekube_relay_bytes_received_total', 'Datagram bytes received from agents.', () => c.bytesIn);
  counter('wirekube_relay_frames_forwarded_total', 'Datagrams written to their destination.', () => c.framesForwarded);
  counter('wirekube_relay_bytes_forwarded_total', 'Datagram bytes written to their destination.', () => c.bytesForwarded);
  counter('wirekube_relay_auth_failures_total', 'Failed proofs of possession and forged data-channel tokens.', () => c.authFailures);
  counter('wirekube_relay_handshake_rejects_total', 'Connections refused before authentication (limits, timeouts, garbage).', () => c.handshakeRejects);
  new Counter({
    name: 'wirekube_relay_drops_total',
    help: 'Datagrams dropped, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of c.drops) if (n > 0) this.labels(reason).inc(n);
    },
  });
}
