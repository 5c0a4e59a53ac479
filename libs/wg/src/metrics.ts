import { Counter, Histogram, type Registry } from 'prom-client';
import type { WireGuardBackend } from './backend';
import type { DeviceState, DeviceUpdate } from './config/model';

/**
 * Wraps a backend so every `get`/`set` is timed and failures are counted in `registry`
 * (`wirekube_wg_backend_seconds{op,kind}`, `wirekube_wg_backend_errors_total{op,kind}`). A
 * decorator: the backend itself knows nothing about metrics.
 */
export function instrumentBackend(backend: WireGuardBackend, registry: Registry): WireGuardBackend {
  const seconds = metric(registry, 'wirekube_wg_backend_seconds', () =>
    new Histogram({ name: 'wirekube_wg_backend_seconds', help: 'WireGuard backend call latency', labelNames: ['op', 'kind'], registers: [registry], buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.5, 2] }),
  );
  const errors = metric(registry, 'wirekube_wg_backend_errors_total', () =>
    new Counter({ name: 'wirekube_wg_backend_errors_total', help: 'Failed WireGuard backend calls', labelNames: ['op', 'kind'], registers: [registry] }),
  );
  const timed = async <T>(op: string, f: () => Promise<T>): Promise<T> => {
    const end = seconds.startTimer({ op, kind: backend.kind });
    try {
      return await f();
    } catch (err) {
      errors.inc({ op, kind: backend.kind });
      throw err;
    } finally {
      end();
    }
  };
  return {
    kind: backend.kind,
    iface: backend.iface,
    get: (): Promise<DeviceState> => timed('get', () => backend.get()),
    set: (u: DeviceUpdate): Promise<void> => timed('set', () => backend.set(u)),
    close: () => backend.close(),
  };
}

/**
 * A counter of EPERM send failures for one named socket (`wirekube_udp_eperm_total{socket}`);
 * pass the returned function as `EpermSafeOptions.onEperm`.
 */
export function epermCounter(registry: Registry, socket: string): () => void {
  const c = metric(registry, 'wirekube_udp_eperm_total', () =>
    new Counter({ name: 'wirekube_udp_eperm_total', help: 'UDP sends that failed with EPERM (socket re-created)', labelNames: ['socket'], registers: [registry] }),
  );
  c.inc({ socket }, 0);
  return () => c.inc({ socket });
}

/**
 * A counter of userspace WireGuard restarts (`wirekube_wg_daemon_restarts_total`); pass the
 * returned function as (or from) the supervisor's `onRestart`.
 */
export function daemonRestartCounter(registry: Registry): () => void {
  const c = metric(registry, 'wirekube_wg_daemon_restarts_total', () =>
    new Counter({ name: 'wirekube_wg_daemon_restarts_total', help: 'Userspace WireGuard daemon restarts after it died', registers: [registry] }),
  );
  return () => c.inc();
}

// One metric object per registry and name, however many sockets or backends register it.
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
