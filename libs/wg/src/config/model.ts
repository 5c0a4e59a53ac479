import type { WgKey } from '../key/key';

/**
 * What WireKube wants one peer to look like. `allowedIps` are canonical CIDR strings (see
 * `canonicalCidr`), `endpoint` a canonical `ip:port` (see `canonicalEndpoint`).
 */
export interface PeerConfig {
  publicKey: WgKey;
  /**
   * The endpoint the path manager chose. Applied when the peer is created and whenever the caller
   * asks for it explicitly; otherwise WireGuard's roaming is left alone (see `planDeviceUpdate`).
   */
  endpoint?: string;
  allowedIps: string[];
  /** Seconds between keepalives; 0 or absent disables them. */
  persistentKeepaliveSec?: number;
  presharedKey?: WgKey;
}

/** What WireKube wants the whole device to look like. Peers absent here are removed. */
export interface DeviceConfig {
  privateKey: WgKey;
  listenPort: number;
  /** 0 disables the mark. */
  fwmark: number;
  peers: PeerConfig[];
}

/** One peer as the device reports it, with its counters. */
export interface PeerState {
  publicKey: WgKey;
  endpoint?: string;
  allowedIps: string[];
  persistentKeepaliveSec: number;
  presharedKey?: WgKey;
  /** Unix milliseconds of the last completed handshake; 0 = never. */
  lastHandshakeMs: number;
  rxBytes: number;
  txBytes: number;
}

/** The device as it is. A device without a private key reports none. */
export interface DeviceState {
  privateKey?: WgKey;
  listenPort: number;
  fwmark: number;
  peers: PeerState[];
}

/**
 * A change set in the vocabulary both kernel and UAPI interfaces share. Fields left undefined are
 * not touched. Produced by `planDeviceUpdate`, executed by a `WireGuardBackend`.
 */
export interface DeviceUpdate {
  privateKey?: WgKey;
  listenPort?: number;
  fwmark?: number;
  peers: PeerUpdate[];
}

/** A change to one peer; see {@link DeviceUpdate}. */
export interface PeerUpdate {
  publicKey: WgKey;
  /** Remove the peer; every other field is ignored. */
  remove?: boolean;
  /** Only touch the peer if it still exists (UAPI `update_only`, WGPEER_F_UPDATE_ONLY). */
  updateOnly?: boolean;
  endpoint?: string;
  persistentKeepaliveSec?: number;
  presharedKey?: WgKey;
  /** Replace the whole AllowedIPs set with `allowedIps` instead of adding to it. */
  replaceAllowedIps?: boolean;
  allowedIps?: string[];
}

/** True when applying `u` would change nothing. */
export function isEmptyUpdate(u: DeviceUpdate): boolean {
  return u.privateKey === undefined && u.listenPort === undefined && u.fwmark === undefined && u.peers.length === 0;
}
