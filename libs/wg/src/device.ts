import type { Logger } from '@wirekube/util';
import { nullLogger } from '@wirekube/util';
import type { WireGuardBackend } from './backend';
import type { WgKey } from './key/key';
import { planDeviceUpdate } from './config/diff';
import { normalizeDeviceConfig } from './config/validate';
import type { DeviceConfig, DeviceUpdate } from './config/model';
import { isEmptyUpdate } from './config/model';

/** Per-peer counters read back from the device. */
export interface PeerStats {
  /** Base64 public key. */
  publicKey: string;
  /** Where WireGuard currently sends (after roaming), if anywhere. */
  endpoint?: string;
  /** Unix milliseconds of the last handshake; 0 = never. */
  lastHandshakeMs: number;
  rxBytes: number;
  txBytes: number;
}

/** Options for {@link WireGuardDevice.set}. */
export interface SetOptions {
  /** Base64 keys whose configured endpoint must be written even if it did not change since the last call. */
  forceEndpoints?: Iterable<string>;
}

/**
 * The level-triggered applier for one WireGuard device. `set(desired)` may be called any number
 * of times; each call reads the device, plans the smallest change (`planDeviceUpdate`) and applies
 * only that, so peers someone else removed come back and stale peers go.
 *
 * Endpoints: a peer's configured endpoint is written when the peer is created, when the caller's
 * desired endpoint differs from what it asked for last time, or when forced. Otherwise the live
 * endpoint (which WireGuard roams on its own) is left alone. After a restart the first call
 * counts as a request, since the caller's view is then authoritative.
 */
export class WireGuardDevice {
  private readonly backend: WireGuardBackend;
  private readonly log: Logger;
  private requested = new Map<string, string | undefined>();

  constructor(opts: { backend: WireGuardBackend; logger?: Logger }) {
    this.backend = opts.backend;
    this.log = (opts.logger ?? nullLogger).child({ component: 'wg-device', iface: opts.backend.iface });
  }

  /**
   * Makes the device match `desired`; returns the update that was applied (empty when none).
   * Throws `InvalidConfigError` (before touching the device) for a config WireGuard would mangle.
   */
  async set(input: DeviceConfig, opts: SetOptions = {}): Promise<DeviceUpdate> {
    const desired = normalizeDeviceConfig(input);
    const setEndpointFor = new Set(opts.forceEndpoints ?? []);
    for (const p of desired.peers) {
      const key = p.publicKey.toBase64();
      if (!this.requested.has(key) || this.requested.get(key) !== p.endpoint) setEndpointFor.add(key);
    }
    const live = await this.backend.get();
    const update = planDeviceUpdate(live, desired, { setEndpointFor });
    if (!isEmptyUpdate(update)) {
      this.log.info('applying WireGuard changes', summarize(update));
      await this.backend.set(update);
    }
    this.requested = new Map(desired.peers.map((p) => [p.publicKey.toBase64(), p.endpoint]));
    return update;
  }

  /**
   * Points an existing peer at `endpoint` right now, outside the desired config: a hole punch
   * owns the endpoint for a moment. What the caller requested is unchanged, so the next `set`
   * writes its endpoint again only if asked to (forced or changed). A peer that is gone is skipped.
   */
  async pointPeer(publicKey: WgKey, endpoint: string): Promise<void> {
    await this.backend.set({ peers: [{ publicKey, updateOnly: true, endpoint }] });
  }

  /** Reads every peer's counters (one backend read). */
  async stats(): Promise<PeerStats[]> {
    const live = await this.backend.get();
    return live.peers.map((p) => ({
      publicKey: p.publicKey.toBase64(),
      ...(p.endpoint !== undefined && { endpoint: p.endpoint }),
      lastHandshakeMs: p.lastHandshakeMs,
      rxBytes: p.rxBytes,
      txBytes: p.txBytes,
    }));
  }
}

function summarize(u: DeviceUpdate): Record<string, unknown> {
  const count = (f: (p: DeviceUpdate['peers'][number]) => boolean) => u.peers.filter(f).length;
  return {
    device: [u.privateKey && 'private_key', u.listenPort !== undefined && 'listen_port', u.fwmark !== undefined && 'fwmark'].filter(Boolean),
    added: count((p) => !p.remove && !p.updateOnly),
    updated: count((p) => !!p.updateOnly),
    removed: count((p) => !!p.remove),
    endpoints: count((p) => p.endpoint !== undefined),
  };
}
