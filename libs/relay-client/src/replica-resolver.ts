import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { ReplicaAddress } from './replica-link';

/** Returns the relay replicas to hold sessions with, now. May throw (the client retries). */
export type ReplicaResolver = () => Promise<ReplicaAddress[]>;

/** A fixed list of replicas (tests, static configuration). */
export function staticReplicas(list: ReplicaAddress[]): ReplicaResolver {
  return async () => list;
}

/**
 * Every A and AAAA record of `name` (a headless Service resolves to one record per ready replica
 * pod), each with the given ports. An IP literal resolves to itself. Throws when the name has no
 * records at all.
 */
export function dnsReplicas(name: string, controlPort: number, dataPort: number, lookup = dns): ReplicaResolver {
  return async () => {
    if (isIP(name)) return [{ host: name, controlPort, dataPort }];
    const settled = await Promise.allSettled([lookup.resolve4(name), lookup.resolve6(name)]);
    const hosts = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
    if (hosts.length === 0) {
      const why = settled.map((s) => (s.status === 'rejected' ? String((s.reason as Error).message) : 'no records')).join('; ');
      throw new Error(`relay name ${name} has no A/AAAA records: ${why}`);
    }
    return [...new Set(hosts)].sort().map((host) => ({ host, controlPort, dataPort }));
  };
}
