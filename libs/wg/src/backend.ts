import { WireKubeError } from '@wirekube/util';
import type { DeviceState, DeviceUpdate } from './config/model';

/**
 * The narrow port to one WireGuard device, reads included. Implementations: the kernel over
 * generic netlink, userspace implementations (wireguard-go, boringtun) over the UAPI socket, and
 * the in-memory fake from `@wirekube/wg/testing`. Both methods may be called repeatedly; they never
 * create or delete the network interface itself.
 */
export interface WireGuardBackend {
  /** Which implementation this is, for logs and metrics. */
  readonly kind: 'kernel' | 'userspace' | 'fake';
  /** The interface name. */
  readonly iface: string;
  /** Reads the device and every peer with counters. Cheap enough to call every second. */
  get(): Promise<DeviceState>;
  /** Applies a change set; all-or-nothing as far as the implementation allows. */
  set(update: DeviceUpdate): Promise<void>;
  /** Releases sockets; the device keeps running. Idempotent. */
  close(): Promise<void>;
}

/**
 * One way of obtaining a backend on this node, tried in order by {@link openBackend}.
 * `open` creates the interface (or starts the daemon) when needed and must throw
 * {@link BackendUnavailableError} when this node cannot offer this kind of WireGuard.
 */
export interface BackendProvider {
  readonly name: string;
  open(iface: string): Promise<WireGuardBackend>;
}


/** A provider cannot offer WireGuard on this node (module missing, binary missing, ...). */
export class BackendUnavailableError extends WireKubeError {
  constructor(provider: string, reason: string, options?: { cause?: unknown }) {
    super('backend-unavailable', `${provider}: ${reason}`, options);
  }
}

/** A backend call failed (socket error, protocol error, errno from the device). */
export class BackendError extends WireKubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('backend-error', message, options);
  }
}

/**
 * The backend chain: opens the first provider that is available on this node, e.g.
 * `[new KernelProvider(), new UserspaceProvider()]`. `onUnavailable` hears why each skipped
 * provider was skipped (for a log line). Throws {@link BackendUnavailableError} listing every
 * reason when none is available; any other error from a provider is a real failure and is rethrown.
 */
export async function openBackend(
  providers: BackendProvider[],
  iface: string,
  onUnavailable?: (provider: string, err: BackendUnavailableError) => void,
): Promise<WireGuardBackend> {
  const reasons: string[] = [];
  for (const p of providers) {
    try {
      return await p.open(iface);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      onUnavailable?.(p.name, err);
      reasons.push(err.message);
    }
  }
  throw new BackendUnavailableError('backend chain', `no WireGuard implementation available (${reasons.join('; ') || 'no providers'})`);
}
