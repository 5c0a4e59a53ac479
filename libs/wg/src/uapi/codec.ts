// The cross-platform userspace API (https://www.wireguard.com/xplatform/): a text protocol over a
// unix socket. A request is `get=1` or `set=1` followed by `key=value` lines and a blank line; a
// reply is `key=value` lines ending with `errno=N` and a blank line. Keys travel in hex.
import { memoByText, WireKubeError } from '@wirekube/util';
import { canonicalCidr, canonicalEndpoint } from '../config/ip';
import type { DeviceState, DeviceUpdate, PeerState } from '../config/model';
import { WgKey } from '../key/key';

/** A UAPI reply that does not follow the protocol. */
export class UapiProtocolError extends WireKubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('uapi-protocol', message, options);
  }
}

/** The device answered a request with a non-zero errno (wireguard-go uses negative errnos). */
export class UapiErrnoError extends WireKubeError {
  constructor(readonly errno: number) {
    super('uapi-errno', `WireGuard UAPI request failed with errno ${errno}`);
  }
}

/** The `get` request. */
export const UAPI_GET = 'get=1\n\n';

/** Encodes a {@link DeviceUpdate} as a `set=1` request, blank line included. */
export function encodeUapiSet(u: DeviceUpdate): string {
  const lines = ['set=1'];
  if (u.privateKey) lines.push(`private_key=${u.privateKey.toHex()}`);
  if (u.listenPort !== undefined) lines.push(`listen_port=${u.listenPort}`);
  if (u.fwmark !== undefined) lines.push(`fwmark=${u.fwmark}`);
  for (const p of u.peers) {
    lines.push(`public_key=${p.publicKey.toHex()}`);
    if (p.remove) {
      lines.push('remove=true');
      continue;
    }
    // update_only must directly follow public_key: it decides whether the section creates a peer.
    if (p.updateOnly) lines.push('update_only=true');
    if (p.presharedKey) lines.push(`preshared_key=${p.presharedKey.toHex()}`);
    if (p.endpoint !== undefined) lines.push(`endpoint=${p.endpoint}`);
    if (p.persistentKeepaliveSec !== undefined) lines.push(`persistent_keepalive_interval=${p.persistentKeepaliveSec}`);
    if (p.replaceAllowedIps) lines.push('replace_allowed_ips=true');
    for (const ip of p.allowedIps ?? []) lines.push(`allowed_ip=${ip}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/**
 * Parses the `errno=N` trailer of a reply (the text up to, excluding, the blank line) and
 * returns the lines before it. Throws {@link UapiErrnoError} for a non-zero errno.
 */
export function splitUapiReply(reply: string): string[] {
  const lines = reply.split('\n').filter((l) => l !== '');
  const last = lines.pop();
  const m = last === undefined ? null : /^errno=(-?\d+)$/.exec(last);
  if (!m) throw new UapiProtocolError(`reply does not end with errno=N: ${JSON.stringify(reply.slice(-80))}`);
  const errno = Number(m[1]);
  if (errno !== 0) throw new UapiErrnoError(errno);
  return lines;
}

// Keys by hex text: the agent reads the same 1000 peers back on every reconcile and stats poll, and
// a WgKey is immutable (it also keeps its base64 form).
const keyFromHex = memoByText((hex) => WgKey.fromHex(hex));

/** Parses a complete `get` reply into a {@link DeviceState}. Unknown keys are skipped. */
export function parseUapiGet(reply: string): DeviceState {
  const dev: DeviceState = { listenPort: 0, fwmark: 0, peers: [] };
  let peer: PeerState | undefined;
  let handshakeSec = 0;
  let handshakeNsec = 0;
  const finishPeer = () => {
    // Seconds since 1970 times 1000 stay far inside 2^53: plain numbers are exact here.
    if (peer) peer.lastHandshakeMs = handshakeSec * 1000 + Math.floor(handshakeNsec / 1_000_000);
  };
  for (const line of splitUapiReply(reply)) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new UapiProtocolError(`malformed line ${JSON.stringify(line)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    try {
      if (key === 'public_key') {
        finishPeer();
        peer = { publicKey: keyFromHex(value), allowedIps: [], persistentKeepaliveSec: 0, lastHandshakeMs: 0, rxBytes: 0, txBytes: 0 };
        handshakeSec = handshakeNsec = 0;
        dev.peers.push(peer);
      } else if (!peer) {
        if (key === 'private_key') {
          const k = WgKey.fromHex(value);
          if (!k.isZero()) dev.privateKey = k;
        } else if (key === 'listen_port') dev.listenPort = uint(value, 0xffff);
        else if (key === 'fwmark') dev.fwmark = uint(value, 0xffffffff);
      } else if (key === 'preshared_key') {
        const k = WgKey.fromHex(value);
        if (!k.isZero()) peer.presharedKey = k;
      } else if (key === 'endpoint') peer.endpoint = canonicalEndpoint(value);
      else if (key === 'allowed_ip') peer.allowedIps.push(canonicalCidr(value));
      else if (key === 'persistent_keepalive_interval') peer.persistentKeepaliveSec = uint(value, 0xffff);
      else if (key === 'rx_bytes') peer.rxBytes = uint(value, Number.MAX_SAFE_INTEGER);
      else if (key === 'tx_bytes') peer.txBytes = uint(value, Number.MAX_SAFE_INTEGER);
      else if (key === 'last_handshake_time_sec') handshakeSec = uint(value, MAX_HANDSHAKE_SEC);
      else if (key === 'last_handshake_time_nsec') handshakeNsec = uint(value, 999_999_999);
    } catch (err) {
      if (err instanceof UapiProtocolError) throw err;
      throw new UapiProtocolError(`bad value in ${JSON.stringify(line.slice(0, 120))}`, { cause: err });
    }
  }
  finishPeer();
  return dev;
}

/** The largest handshake time (s) whose milliseconds are still exact in a number. */
const MAX_HANDSHAKE_SEC = Math.floor(Number.MAX_SAFE_INTEGER / 1000) - 1;

function uint(text: string, max: number): number {
  if (!/^\d{1,20}$/.test(text) || Number(text) > max) throw new UapiProtocolError(`not an integer ≤ ${max}: ${JSON.stringify(text)}`);
  return Number(text);
}
