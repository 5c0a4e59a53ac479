import type { WireGuardBackend } from '../backend';
import { BackendError } from '../backend';
import type { DeviceState, DeviceUpdate, PeerState } from '../config/model';
import type { WgKey } from '../key/key';

/**
 * An in-memory WireGuard device with the semantics both real interfaces share: AllowedIPs are
 * added unless `replaceAllowedIps`, `updateOnly` never creates a peer, a prefix belongs to only one
 * peer (adding it elsewhere moves it), zero keys clear. It records every `set` so tests can assert
 * on what was (not) sent, and lets tests play WireGuard (roaming, handshakes, traffic).
 */
export class FakeWireGuardBackend implements WireGuardBackend {
  readonly kind = 'fake' as const;
  /** Every update passed to `set`, in order. */
  readonly updates: DeviceUpdate[] = [];
  private state: DeviceState = { listenPort: 0, fwmark: 0, peers: [] };
  /** When set, the next `set` fails with this message (then clears). */
  failNextSet?: string;
  closed = false;

  constructor(readonly iface = 'wire_kube') {}

  async get(): Promise<DeviceState> {
    return clone(this.state);
  }

  async set(update: DeviceUpdate): Promise<void> {
    if (this.failNextSet) {
      const msg = this.failNextSet;
      this.failNextSet = undefined;
      throw new BackendError(msg);
    }
    this.updates.push(update);
    this.apply(update);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Simulates WireGuard roaming: the peer's endpoint becomes the source of its last packet. */
  roam(publicKey: WgKey, endpoint: string): void {
    this.peer(publicKey).endpoint = endpoint;
  }

  /** Simulates a handshake at `atMs` and traffic in both directions. */
  traffic(publicKey: WgKey, atMs: number, rx: number, tx: number): void {
    const p = this.peer(publicKey);
    p.lastHandshakeMs = atMs;
    p.rxBytes += rx;
    p.txBytes += tx;
  }

  /** Sorted text of the device (see {@link renderDeviceState}). */
  snapshot(): string {
    return renderDeviceState(this.state);
  }

  private peer(publicKey: WgKey): PeerState {
    const p = this.state.peers.find((x) => x.publicKey.equals(publicKey));
    if (!p) throw new Error(`fake: no peer ${publicKey.toBase64()}`);
    return p;
  }

  private apply(u: DeviceUpdate): void {
    const s = this.state;
    if (u.privateKey) s.privateKey = u.privateKey.isZero() ? undefined : u.privateKey;
    if (u.listenPort !== undefined) s.listenPort = u.listenPort;
    if (u.fwmark !== undefined) s.fwmark = u.fwmark;
    for (const pu of u.peers) {
      const idx = s.peers.findIndex((x) => x.publicKey.equals(pu.publicKey));
      if (pu.remove) {
        if (idx >= 0) s.peers.splice(idx, 1);
        continue;
      }
      if (idx < 0 && pu.updateOnly) continue;
      let p = s.peers[idx];
      if (!p) {
        p = { publicKey: pu.publicKey, allowedIps: [], persistentKeepaliveSec: 0, lastHandshakeMs: 0, rxBytes: 0, txBytes: 0 };
        s.peers.push(p);
      }
      if (pu.endpoint !== undefined) p.endpoint = pu.endpoint;
      if (pu.persistentKeepaliveSec !== undefined) p.persistentKeepaliveSec = pu.persistentKeepaliveSec;
      if (pu.presharedKey) p.presharedKey = pu.presharedKey.isZero() ? undefined : pu.presharedKey;
      if (pu.replaceAllowedIps) p.allowedIps = [];
      for (const ip of pu.allowedIps ?? []) {
        for (const other of s.peers) other.allowedIps = other.allowedIps.filter((x) => x !== ip);
        p.allowedIps.push(ip);
      }
    }
  }
}

/**
 * Sorted text of a device, like a terse `wg showconf`, for whole-state assertions. Counters are
 * left out; AllowedIPs and peers are sorted.
 */
export function renderDeviceState(s: DeviceState): string {
  const lines = [`device listen_port=${s.listenPort} fwmark=${s.fwmark} key=${s.privateKey ? 'set' : 'none'}`];
  const peers = [...s.peers].sort((a, b) => cmp(a.publicKey.toBase64(), b.publicKey.toBase64()));
  for (const p of peers) {
    lines.push(
      `peer ${p.publicKey.toBase64()} endpoint=${p.endpoint ?? '-'} keepalive=${p.persistentKeepaliveSec} ` +
        `psk=${p.presharedKey ? 'set' : 'none'} allowed=${[...p.allowedIps].sort().join(',')}`,
    );
  }
  return lines.join('\n');
}

function clone(s: DeviceState): DeviceState {
  return { ...s, peers: s.peers.map((p) => ({ ...p, allowedIps: [...p.allowedIps] })) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
