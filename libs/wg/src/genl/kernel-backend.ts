import { createGenericNetlink, createRtNetlink, FlagsGet, FlagsNew, genl } from 'netlink';
import { errorMessage } from '@wirekube/util';
import type { BackendProvider, WireGuardBackend } from '../backend';
import { BackendError, BackendUnavailableError } from '../backend';
import type { DeviceState, DeviceUpdate } from '../config/model';
import { isEmptyUpdate } from '../config/model';
import { attr, decodeDeviceDump, encodeGetDevice, encodeSetDevice, WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE, WG_GENL_NAME, WG_GENL_VERSION } from './codec';

/** The generic netlink exchange the kernel backend needs (a port, so the backend is testable). */
export interface GenlTransport {
  /** Sends one request; resolves with the attribute payload of every reply message. */
  request(cmd: number, payload: Buffer, dump: boolean): Promise<Buffer[]>;
  close(): void;
}

/**
 * Opens a generic netlink socket to the kernel's `wireguard` family. Throws
 * {@link BackendUnavailableError} when the family is not registered (module not loaded/built).
 *
 * The `netlink` package's own `wg` helpers are not used: its command numbers are off by one
 * (WG_CMD_GET_DEVICE is 0 in wireguard.h) and its array parser rejects the kernel's type-0 nests.
 */
export async function openWireGuardGenl(): Promise<GenlTransport> {
  const sock = createGenericNetlink();
  try {
    const families = await sock.ctrlRequest(genl.Commands.GET_FAMILY, {}, { flags: FlagsGet.DUMP });
    const family = families.find((f) => f.familyName === WG_GENL_NAME)?.familyId;
    if (family === undefined) throw new BackendUnavailableError('kernel', `generic netlink family "${WG_GENL_NAME}" not registered`);
    return {
      async request(cmd, payload, dump) {
        const [msgs] = await sock.request(family, cmd, WG_GENL_VERSION, [payload], dump ? { flags: FlagsGet.DUMP } : {});
        return msgs.map((m) => m.data);
      },
      close: () => sock.socket.close(),
    };
  } catch (err) {
    sock.socket.close();
    throw err;
  }
}

/** A {@link WireGuardBackend} over kernel WireGuard's generic netlink interface. */
export class KernelBackend implements WireGuardBackend {
  readonly kind = 'kernel' as const;

  constructor(
    readonly iface: string,
    private readonly transport: GenlTransport,
  ) {}

  async get(): Promise<DeviceState> {
    try {
      return decodeDeviceDump(await this.transport.request(WG_CMD_GET_DEVICE, encodeGetDevice(this.iface), true));
    } catch (err) {
      throw new BackendError(`kernel WireGuard get ${this.iface}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async set(update: DeviceUpdate): Promise<void> {
    if (isEmptyUpdate(update)) return;
    for (const payload of encodeSetDevice(this.iface, update)) {
      try {
        await this.transport.request(WG_CMD_SET_DEVICE, payload, false);
      } catch (err) {
        throw new BackendError(`kernel WireGuard set ${this.iface}: ${errorMessage(err)}`, { cause: err });
      }
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

const IFLA_INFO_KIND = 1;

/**
 * The kernel provider: creates the `wireguard` link over rtnetlink if it is missing, then talks
 * generic netlink to it. Unavailable when the kernel has no WireGuard (link type unknown).
 */
export class KernelProvider implements BackendProvider {
  readonly name = 'kernel';

  constructor(private readonly openTransport: () => Promise<GenlTransport> = openWireGuardGenl) {}

  async open(iface: string): Promise<WireGuardBackend> {
    await ensureWireGuardLink(iface);
    return new KernelBackend(iface, await this.openTransport());
  }
}

/** Creates a kernel WireGuard link named `iface` unless one exists. */
export async function ensureWireGuardLink(iface: string): Promise<void> {
  const rt = createRtNetlink();
  try {
    const linkinfo = attr(IFLA_INFO_KIND, Buffer.from(`${WG_GENL_NAME}\0`));
    await rt.newLink({}, { ifname: iface, linkinfo }, { flags: FlagsNew.CREATE | FlagsNew.EXCL });
  } catch (err) {
    const msg = errorMessage(err);
    if (/EEXIST/.test(msg)) return;
    // "Unknown device type" in iproute2's words: no wireguard module.
    if (/EOPNOTSUPP|ENOTSUP/.test(msg)) throw new BackendUnavailableError('kernel', 'the kernel has no WireGuard link type', { cause: err });
    throw new BackendError(`cannot create WireGuard link ${iface}: ${msg}`, { cause: err });
  } finally {
    rt.socket.close();
  }
}
