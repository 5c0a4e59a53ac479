// WireGuard's generic netlink messages (include/uapi/linux/wireguard.h). Attribute payloads only;
// the netlink and genl headers are added by the transport; framing is in netlink-attrs.ts.
//
// Quirks this codec handles that a naive one does not:
// - The kernel nests each peer and each allowed IP under attribute type 0 (not 1, 2, 3, …), so
//   array entries are read regardless of their type number.
// - A dump splits a large device over several messages; a peer whose allowed IPs do not fit
//   continues in the next message under the same public key, so peers are merged by key.
import { formatCidr, formatIp, parseCidr } from '../config/ip';
import type { DeviceState, DeviceUpdate, PeerState, PeerUpdate } from '../config/model';
import { WG_KEY_LEN, WgKey } from '../key/key';
import { AF_INET, AF_INET6, type Attr, attr, decodeSockaddr, encodeSockaddr, GenlDecodeError, parseAttrs, str, u16, u32 } from './netlink-attrs';

export { type Attr, attr, decodeSockaddr, encodeSockaddr, GenlDecodeError, parseAttrs };

/** Generic netlink family name and version. */
export const WG_GENL_NAME = 'wireguard';
export const WG_GENL_VERSION = 1;
/** enum wg_cmd */
export const WG_CMD_GET_DEVICE = 0;
export const WG_CMD_SET_DEVICE = 1;
/** enum wgdevice_attribute */
export const WGDEVICE_A = { IFINDEX: 1, IFNAME: 2, PRIVATE_KEY: 3, PUBLIC_KEY: 4, FLAGS: 5, LISTEN_PORT: 6, FWMARK: 7, PEERS: 8 } as const;
/** enum wgpeer_attribute */
export const WGPEER_A = {
  PUBLIC_KEY: 1, PRESHARED_KEY: 2, FLAGS: 3, ENDPOINT: 4, PERSISTENT_KEEPALIVE_INTERVAL: 5,
  LAST_HANDSHAKE_TIME: 6, RX_BYTES: 7, TX_BYTES: 8, ALLOWEDIPS: 9, PROTOCOL_VERSION: 10,
} as const;
/** enum wgallowedip_attribute */
export const WGALLOWEDIP_A = { FAMILY: 1, IPADDR: 2, CIDR_MASK: 3 } as const;
/** enum wgpeer_flag */
export const WGPEER_F = { REMOVE_ME: 1, REPLACE_ALLOWEDIPS: 2, UPDATE_ONLY: 4 } as const;

/** The attributes of a GET_DEVICE dump request for `iface`. */
export function encodeGetDevice(iface: string): Buffer {
  return attr(WGDEVICE_A.IFNAME, str(iface));
}

function encodePeer(p: PeerUpdate, allowedIps: string[] | undefined, first: boolean): Buffer {
  const parts = [attr(WGPEER_A.PUBLIC_KEY, p.publicKey.bytes())];
  let flags = 0;
  if (p.remove) flags |= WGPEER_F.REMOVE_ME;
  // A continuation fragment must neither wipe what the first one added nor create the peer.
  if (p.updateOnly || !first) flags |= WGPEER_F.UPDATE_ONLY;
  if (p.replaceAllowedIps && first && !p.remove) flags |= WGPEER_F.REPLACE_ALLOWEDIPS;
  if (flags) parts.push(attr(WGPEER_A.FLAGS, u32(flags)));
  if (first && !p.remove) {
    if (p.presharedKey) parts.push(attr(WGPEER_A.PRESHARED_KEY, p.presharedKey.bytes()));
    if (p.endpoint !== undefined) parts.push(attr(WGPEER_A.ENDPOINT, encodeSockaddr(p.endpoint)));
    if (p.persistentKeepaliveSec !== undefined) parts.push(attr(WGPEER_A.PERSISTENT_KEEPALIVE_INTERVAL, u16(p.persistentKeepaliveSec)));
  }
  if (allowedIps && allowedIps.length > 0 && !p.remove) {
    const ips = allowedIps.map((text) => {
      const c = parseCidr(text);
      return attr(0, Buffer.concat([
        attr(WGALLOWEDIP_A.FAMILY, u16(c.family === 4 ? AF_INET : AF_INET6)),
        attr(WGALLOWEDIP_A.IPADDR, c.addr),
        attr(WGALLOWEDIP_A.CIDR_MASK, Buffer.from([c.prefix])),
      ]), true);
    });
    parts.push(attr(WGPEER_A.ALLOWEDIPS, Buffer.concat(ips), true));
  }
  return attr(0, Buffer.concat(parts), true);
}

/**
 * Encodes a {@link DeviceUpdate} as the attribute payloads of one or more SET_DEVICE messages,
 * each at most about `maxBytes`. Device fields go in the first message only; a peer with more
 * AllowedIPs than fit continues in later messages with UPDATE_ONLY and without REPLACE_ALLOWEDIPS.
 */
export function encodeSetDevice(iface: string, u: DeviceUpdate, maxBytes = 16 * 1024): Buffer[] {
  const head = (first: boolean) => {
    const parts = [attr(WGDEVICE_A.IFNAME, str(iface))];
    if (first) {
      if (u.privateKey) parts.push(attr(WGDEVICE_A.PRIVATE_KEY, u.privateKey.bytes()));
      if (u.listenPort !== undefined) parts.push(attr(WGDEVICE_A.LISTEN_PORT, u16(u.listenPort)));
      if (u.fwmark !== undefined) parts.push(attr(WGDEVICE_A.FWMARK, u32(u.fwmark)));
    }
    return Buffer.concat(parts);
  };
  const messages: Buffer[] = [];
  let current = head(true);
  let peers: Buffer[] = [];
  let peersLen = 0;
  const flush = () => {
    messages.push(peers.length ? Buffer.concat([current, attr(WGDEVICE_A.PEERS, Buffer.concat(peers), true)]) : current);
    current = head(false);
    peers = [];
    peersLen = 0;
  };
  const ALLOWED_IP_BYTES = 40; // one IPv6 entry, generous for IPv4
  for (const p of u.peers) {
    const ips = p.allowedIps ?? [];
    const perFragment = Math.max(1, Math.floor((maxBytes - 256) / ALLOWED_IP_BYTES));
    for (let i = 0, first = true; first || i < ips.length; i += perFragment, first = false) {
      const chunk = encodePeer(p, ips.slice(i, i + perFragment), first);
      if (peers.length > 0 && current.length + peersLen + chunk.length > maxBytes) flush();
      peers.push(chunk);
      peersLen += chunk.length;
    }
  }
  if (peers.length > 0 || messages.length === 0) flush();
  return messages;
}

/** Decodes the attribute payloads of a GET_DEVICE dump (one or more messages) into one device. */
export function decodeDeviceDump(payloads: Buffer[]): DeviceState {
  const dev: DeviceState = { listenPort: 0, fwmark: 0, peers: [] };
  const byKey = new Map<string, PeerState>();
  for (const payload of payloads) {
    for (const a of parseAttrs(payload)) {
      if (a.type === WGDEVICE_A.PRIVATE_KEY) {
        const k = key(a.data, 'private key');
        if (!k.isZero()) dev.privateKey = k;
      } else if (a.type === WGDEVICE_A.LISTEN_PORT) dev.listenPort = fixed(a.data, 2, 'listen port').readUInt16LE();
      else if (a.type === WGDEVICE_A.FWMARK) dev.fwmark = fixed(a.data, 4, 'fwmark').readUInt32LE();
      else if (a.type === WGDEVICE_A.PEERS) {
        for (const entry of parseAttrs(a.data)) mergePeer(dev, byKey, parseAttrs(entry.data));
      }
    }
  }
  return dev;
}

function mergePeer(dev: DeviceState, byKey: Map<string, PeerState>, attrs: Attr[]): void {
  const pk = attrs.find((a) => a.type === WGPEER_A.PUBLIC_KEY);
  if (!pk) throw new GenlDecodeError('peer without public key');
  const publicKey = key(pk.data, 'peer public key');
  let p = byKey.get(publicKey.toBase64());
  if (!p) {
    p = { publicKey, allowedIps: [], persistentKeepaliveSec: 0, lastHandshakeMs: 0, rxBytes: 0, txBytes: 0 };
    byKey.set(publicKey.toBase64(), p);
    dev.peers.push(p);
  }
  for (const a of attrs) {
    switch (a.type) {
      case WGPEER_A.PRESHARED_KEY: {
        const k = key(a.data, 'preshared key');
        if (!k.isZero()) p.presharedKey = k;
        break;
      }
      case WGPEER_A.ENDPOINT: {
        const e = decodeSockaddr(a.data);
        if (e !== undefined) p.endpoint = e;
        break;
      }
      case WGPEER_A.PERSISTENT_KEEPALIVE_INTERVAL:
        p.persistentKeepaliveSec = fixed(a.data, 2, 'keepalive').readUInt16LE();
        break;
      case WGPEER_A.LAST_HANDSHAKE_TIME: {
        // struct __kernel_timespec { s64 tv_sec; s64 tv_nsec; }
        const t = fixed(a.data, 16, 'last handshake');
        p.lastHandshakeMs = Number(t.readBigInt64LE(0) * 1000n + t.readBigInt64LE(8) / 1_000_000n);
        break;
      }
      case WGPEER_A.RX_BYTES:
        p.rxBytes = Number(fixed(a.data, 8, 'rx bytes').readBigUInt64LE());
        break;
      case WGPEER_A.TX_BYTES:
        p.txBytes = Number(fixed(a.data, 8, 'tx bytes').readBigUInt64LE());
        break;
      case WGPEER_A.ALLOWEDIPS:
        for (const entry of parseAttrs(a.data)) p.allowedIps.push(decodeAllowedIp(parseAttrs(entry.data)));
        break;
    }
  }
}

function decodeAllowedIp(attrs: Attr[]): string {
  const get = (t: number) => attrs.find((a) => a.type === t)?.data;
  const family = get(WGALLOWEDIP_A.FAMILY);
  const addr = get(WGALLOWEDIP_A.IPADDR);
  const mask = get(WGALLOWEDIP_A.CIDR_MASK);
  if (!family || !addr || !mask || mask.length < 1) throw new GenlDecodeError('allowed IP missing family, address or mask');
  const f = fixed(family, 2, 'allowed IP family').readUInt16LE();
  const want = f === AF_INET ? 4 : f === AF_INET6 ? 16 : -1;
  if (addr.length !== want || mask[0] > want * 8) throw new GenlDecodeError(`allowed IP family ${f}, ${addr.length} bytes, /${mask[0]}`);
  return formatCidr(parseCidr(`${formatIp(addr)}/${mask[0]}`));
}

function key(b: Buffer, what: string): WgKey {
  return WgKey.fromBytes(fixed(b, WG_KEY_LEN, what));
}

function fixed(b: Buffer, len: number, what: string): Buffer {
  if (b.length !== len) throw new GenlDecodeError(`${what}: expected ${len} bytes, got ${b.length}`);
  return b;
}
