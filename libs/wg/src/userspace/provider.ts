import type { BackendProvider, WireGuardBackend } from '../backend';
import { UapiBackend } from '../uapi/uapi-backend';
import type { WireguardGoOptions } from './supervisor';
import { socketReady, WireguardGoSupervisor } from './supervisor';

/**
 * The userspace provider: adopts a wireguard-go (or boringtun) already serving the interface's
 * UAPI socket — e.g. one that outlived an agent restart — and otherwise starts and supervises
 * wireguard-go. Unavailable when the binary is missing.
 */
export class UserspaceProvider implements BackendProvider {
  readonly name = 'userspace';
  /** The supervisor, when this provider started wireguard-go itself. */
  supervisor?: WireguardGoSupervisor;

  constructor(private readonly opts: Omit<WireguardGoOptions, 'iface'> = {}) {}

  async open(iface: string): Promise<WireGuardBackend> {
    const backend = new UapiBackend({ iface, socketDir: this.opts.socketDir, clock: this.opts.clock });
    const ready = this.opts.socketReady ?? socketReady;
    if (!(await ready(backend.socketPath))) {
      this.supervisor = new WireguardGoSupervisor({ ...this.opts, iface });
      await this.supervisor.start();
    }
    return backend;
  }
}
