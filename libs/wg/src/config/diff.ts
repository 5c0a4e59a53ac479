import { WgKey } from '../key/key';
import type { DeviceConfig, DeviceState, DeviceUpdate, PeerConfig, PeerState, PeerUpdate } from './model';

/** Options for {@link planDeviceUpdate}. */
export interface PlanOptions {
  /**
   * Base64 public keys whose endpoint the caller explicitly wants (re)set to the configured value.
   * Every other existing peer keeps whatever endpoint WireGuard currently has, because WireGuard
   * roams to the source of authenticated packets and the path manager owns that decision.
   */
  setEndpointFor?: ReadonlySet<string>;
}

/**
 * Computes the smallest change that turns `live` into `desired`. Pure.
 *
 * - Device fields are set only when they differ.
 * - Peers missing from `desired` are removed; new peers are added with their endpoint.
 * - Existing peers are updated with `updateOnly`, so a peer removed meanwhile is not resurrected
 *   half-configured. AllowedIPs are only added when nothing must go; `replaceAllowedIps` is used
 *   only when some live prefix is no longer wanted (replacing briefly empties the set).
 * - An existing peer's endpoint is written only when its key is in `opts.setEndpointFor` and the
 *   live endpoint differs.
 */
export function planDeviceUpdate(live: DeviceState, desired: DeviceConfig, opts: PlanOptions = {}): DeviceUpdate {
  const update: DeviceUpdate = { peers: [] };
  if (!live.privateKey || !live.privateKey.equals(desired.privateKey)) update.privateKey = desired.privateKey;
  if (live.listenPort !== desired.listenPort) update.listenPort = desired.listenPort;
  if (live.fwmark !== desired.fwmark) update.fwmark = desired.fwmark;

  const liveByKey = new Map(live.peers.map((p) => [p.publicKey.toBase64(), p]));
  const wanted = new Set<string>();
  for (const peer of desired.peers) {
    const key = peer.publicKey.toBase64();
    wanted.add(key);
    const current = liveByKey.get(key);
    const change = current ? planPeerChange(current, peer, opts.setEndpointFor?.has(key) ?? false) : newPeer(peer);
    if (change) update.peers.push(change);
  }
  for (const [key, p] of liveByKey) if (!wanted.has(key)) update.peers.push({ publicKey: p.publicKey, remove: true });
  return update;
}

function newPeer(p: PeerConfig): PeerUpdate {
  const u: PeerUpdate = { publicKey: p.publicKey, allowedIps: dedupe(p.allowedIps) };
  if (p.endpoint !== undefined) u.endpoint = p.endpoint;
  if (p.persistentKeepaliveSec) u.persistentKeepaliveSec = p.persistentKeepaliveSec;
  if (p.presharedKey) u.presharedKey = p.presharedKey;
  return u;
}

function planPeerChange(live: PeerState, want: PeerConfig, setEndpoint: boolean): PeerUpdate | undefined {
  const u: PeerUpdate = { publicKey: want.publicKey, updateOnly: true };
  let changed = false;
  if (setEndpoint && want.endpoint !== undefined && want.endpoint !== live.endpoint) {
    u.endpoint = want.endpoint;
    changed = true;
  }
  const keepalive = want.persistentKeepaliveSec ?? 0;
  if (keepalive !== live.persistentKeepaliveSec) {
    u.persistentKeepaliveSec = keepalive;
    changed = true;
  }
  if (!sameKey(want.presharedKey, live.presharedKey)) {
    u.presharedKey = want.presharedKey ?? ZERO_KEY_MARKER;
    changed = true;
  }
  // The common case at scale: nothing changed, in the same order.
  if (sameList(want.allowedIps, live.allowedIps)) return changed ? u : undefined;
  const wantIps = dedupe(want.allowedIps);
  const liveIps = new Set(live.allowedIps);
  const wantSet = new Set(wantIps);
  const stale = live.allowedIps.some((ip) => !wantSet.has(ip));
  const missing = wantIps.filter((ip) => !liveIps.has(ip));
  if (stale) {
    u.replaceAllowedIps = true;
    u.allowedIps = wantIps;
    changed = true;
  } else if (missing.length > 0) {
    u.allowedIps = missing;
    changed = true;
  }
  return changed ? u : undefined;
}

function sameKey(a: PeerConfig['presharedKey'], b: PeerConfig['presharedKey']): boolean {
  const az = !a || a.isZero();
  const bz = !b || b.isZero();
  if (az || bz) return az === bz;
  return a.equals(b);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

// Both interfaces remove a preshared key by setting it to all zeros.
const ZERO_KEY_MARKER = WgKey.fromBytes(Buffer.alloc(32));
