/**
 * Scale-out rule shared by every agent: with sessions on several relay replicas, a datagram for
 * `destination` goes through the first replica, in the agent's stable order (sorted replica ids),
 * whose presence lists the destination. Both directions of a pair therefore settle on replicas
 * where the receiver is registered, and no replica ever needs to forward to another one.
 * Returns undefined when no replica the sender is on has the destination present.
 */
export function chooseReplica(
  replicas: ReadonlyArray<{ id: string; has(key: string): boolean }>,
  destination: string,
): string | undefined {
  let best: string | undefined;
  for (const r of replicas) {
    if (r.has(destination) && (best === undefined || r.id < best)) best = r.id;
  }
  return best;
}
