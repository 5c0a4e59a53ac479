import { memoByObject, WireKubeError } from '@wirekube/util';
import { publicKeyOf } from '../key/key';
import { canonicalCidr, canonicalEndpoint, InvalidAddressError } from './ip';
import type { DeviceConfig, PeerConfig } from './model';

/** A desired device configuration that WireGuard would reject or silently mangle. */
export class InvalidConfigError extends WireKubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-wg-config', message, options);
  }
}

// Canonical copies by peer object: a caller that keeps handing the same unchanged peers (the agent
// does, see docs/scale.md) pays for canonicalizing each once. The checks across peers run always.
const canonicalPeer = memoByObject((p: PeerConfig): PeerConfig => ({
  ...p,
  allowedIps: [...new Set(p.allowedIps.map(canonicalCidr))],
  ...(p.endpoint !== undefined && { endpoint: canonicalEndpoint(p.endpoint) }),
}));

/**
 * Validates `c` and returns a copy with canonical AllowedIPs and endpoints (so the diff compares
 * like with like and never replaces `10.0.0.7/24` by `10.0.0.0/24` on every pass). Rejects what
 * WireGuard would accept but get wrong: one AllowedIP on two peers (it silently moves to the last
 * one, so routing would flap), duplicate peers, the device's own key as a peer, out-of-range ports.
 * Peer objects are treated as immutable (their canonical copies are remembered by object).
 */
export function normalizeDeviceConfig(c: DeviceConfig): DeviceConfig {
  if (!Number.isInteger(c.listenPort) || c.listenPort < 0 || c.listenPort > 65535) throw new InvalidConfigError(`listen port ${c.listenPort} out of range`);
  if (!Number.isInteger(c.fwmark) || c.fwmark < 0 || c.fwmark > 0xffffffff) throw new InvalidConfigError(`fwmark ${c.fwmark} out of range`);
  const own = publicKeyOf(c.privateKey).toBase64();
  const seen = new Set<string>();
  const owner = new Map<string, string>();
  const peers = c.peers.map((p) => {
    const key = p.publicKey.toBase64();
    if (key === own) throw new InvalidConfigError(`peer ${key} is this device's own key`);
    if (seen.has(key)) throw new InvalidConfigError(`peer ${key} listed twice`);
    seen.add(key);
    const ka = p.persistentKeepaliveSec ?? 0;
    if (!Number.isInteger(ka) || ka < 0 || ka > 65535) throw new InvalidConfigError(`peer ${key}: keepalive ${ka} out of range`);
    try {
      const canonical = canonicalPeer(p);
      for (const ip of canonical.allowedIps) {
        const other = owner.get(ip);
        if (other) throw new InvalidConfigError(`AllowedIP ${ip} is on both ${other} and ${key}`);
        owner.set(ip, key);
      }
      return canonical;
    } catch (err) {
      if (err instanceof InvalidAddressError) throw new InvalidConfigError(`peer ${key}: ${err.message}`, { cause: err });
      throw err;
    }
  });
  return { ...c, peers };
}
