import { lookup } from 'node:dns/promises';
import { discoverNat, openDgramPort, parseAddress, type DiscoveryReport, type TransportAddress } from '@wirekube/nat';
import { WireKubeError, type Clock, type Rng } from '@wirekube/util';

/** Parameters of one probe, already defaulted. */
export interface ProbeParams {
  servers: string[];
  timeoutMs: number;
  localPort: number;
  allocationSamples: number;
}

/**
 * Resolves `host:port` STUN server names to literal addresses (IPv4 first), keeping the given
 * order. A name that does not resolve is skipped unless none resolves, which is an error.
 */
export async function resolveServers(servers: readonly string[]): Promise<TransportAddress[]> {
  const out: TransportAddress[] = [];
  const failures: string[] = [];
  for (const s of servers) {
    const literal = parseAddress(s);
    if (literal) {
      out.push(literal);
      continue;
    }
    const i = s.lastIndexOf(':');
    const host = s.slice(0, i).replace(/^\[|\]$/g, '');
    try {
      const addrs = await lookup(host, { all: true, order: 'ipv4first' });
      if (addrs[0]) out.push({ ip: addrs[0].address, port: Number(s.slice(i + 1)) });
    } catch (err) {
      failures.push(`${s}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  if (out.length === 0) throw new WireKubeError('no-stun-servers', `no STUN server could be resolved (${failures.join('; ') || 'none configured'})`);
  return out;
}

/** Runs one discovery with real UDP sockets. */
export async function probeNat(p: ProbeParams, deps: { clock: Clock; rng: Rng; localAddresses: () => string[] }): Promise<DiscoveryReport> {
  const servers = await resolveServers(p.servers);
  return discoverNat({
    servers,
    open: openDgramPort,
    clock: deps.clock,
    rng: deps.rng,
    localPort: p.localPort,
    timeoutMs: p.timeoutMs,
    allocationSamples: p.allocationSamples,
    localAddresses: deps.localAddresses,
  });
}
