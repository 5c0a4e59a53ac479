import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StunServerStats } from '@wirekube/nat';

/** The prober's metrics. */
export interface ProbeMetrics {
  probes: Counter<'type'>;
  probeErrors: Counter;
  probeSeconds: Histogram;
  natType: Gauge<'type'>;
  watchStreams: Gauge;
}

/** Registers the probe-side metrics on `registry`. */
export function probeMetrics(registry: Registry): ProbeMetrics {
  return {
    probes: new Counter({ name: 'wirekube_stun_probe_probes_total', help: 'NAT discoveries run, by resulting NAT type.', labelNames: ['type'], registers: [registry] }),
    probeErrors: new Counter({ name: 'wirekube_stun_probe_probe_errors_total', help: 'NAT discoveries that failed (bad request, bind error, no server resolvable).', registers: [registry] }),
    probeSeconds: new Histogram({ name: 'wirekube_stun_probe_probe_duration_seconds', help: 'Duration of one NAT discovery.', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5], registers: [registry] }),
    natType: new Gauge({ name: 'wirekube_stun_probe_nat_type', help: '1 for the NAT type found by the latest discovery.', labelNames: ['type'], registers: [registry] }),
    watchStreams: new Gauge({ name: 'wirekube_stun_probe_watch_streams', help: 'Open WatchNat streams.', registers: [registry] }),
  };
}

/**
 * Exposes a STUN server's counters as Prometheus counters, read at scrape time so the packet
 * path never touches prom-client.
 */
export function stunServerMetrics(registry: Registry, stats: () => StunServerStats): void {
  const fields: [keyof StunServerStats, string][] = [
    ['requests', 'Binding requests received.'],
    ['responses', 'Success responses sent.'],
    ['errorResponses', 'Error responses sent (400, 420).'],
    ['malformed', 'Datagrams that were STUN but malformed, dropped.'],
    ['notStun', 'Datagrams that were not STUN, dropped.'],
    ['ignored', 'STUN indications and stray responses, dropped.'],
    ['sendFailures', 'Responses the OS refused to send.'],
  ];
  for (const [field, help] of fields) {
    const name = `wirekube_stun_probe_stun_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = stats()[field];
        this.inc(now - seen);
        seen = now;
      },
    });
  }
}
