import type { HostPort } from './domain';
import { parseIp, type Parsed } from './domain-cidr';

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Parses `host:port`, `[v6]:port` or `v4:port`. The host must be an IP literal or a DNS name; the
 * port must be 1..65535. IPv6 hosts are returned without brackets.
 */
export function parseHostPort(text: string): Parsed<HostPort> {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not host:port` };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return { ok: false, reason: `"${text}" has port outside 1..65535` };
  const host = m[1] ?? m[2];
  if (m[1] !== undefined) {
    const ip = parseIp(host);
    if (!ip.ok || ip.value.family !== 6) return { ok: false, reason: `"${text}" has an invalid IPv6 host` };
  } else if (/^[\d.]+$/.test(host)) {
    if (!parseIp(host).ok) return { ok: false, reason: `"${text}" has an invalid IPv4 host` };
  } else if (!DNS_NAME.test(host)) return { ok: false, reason: `"${text}" has an invalid host name` };
  return { ok: true, value: { host, port } };
}

/** Formats a HostPort back to text, bracketing IPv6 hosts. */
export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
