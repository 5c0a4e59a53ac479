import { networkInterfaces } from 'node:os';
import type { Clock } from '@wirekube/util';

/** Lists this host's interface addresses as sorted `name address` lines. */
export function interfaceSignature(): string {
  return Object.entries(networkInterfaces())
    .flatMap(([name, addrs]) => (addrs ?? []).map((a) => `${name} ${a.address}`))
    .sort()
    .join('\n');
}

/** All non-internal interface IPs, for telling "no NAT" apart from a mapped address. */
export function localIps(): string[] {
  return Object.values(networkInterfaces()).flatMap((addrs) => (addrs ?? []).map((a) => a.address));
}

/**
 * Calls `onChange` whenever the interface address set differs from the previous poll. Polling
 * (not netlink events) keeps the sidecar free of native code; a change is noticed within
 * `pollMs`. Returns a function that stops polling.
 */
export function watchInterfaces(o: { clock: Clock; pollMs: number; signature?: () => string; onChange: () => void }): () => void {
  const read = o.signature ?? interfaceSignature;
  let last = read();
  let timer = o.clock.setTimeout(function poll() {
    const now = read();
    if (now !== last) {
      last = now;
      o.onChange();
    }
    timer = o.clock.setTimeout(poll, o.pollMs);
  }, o.pollMs);
  return () => o.clock.clearTimeout(timer);
}
