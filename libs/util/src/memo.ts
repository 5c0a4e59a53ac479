/**
 * `fn` remembered by its text argument, for pure functions an agent calls with the same few
 * thousand inputs on every reconcile (prefixes, endpoints, keys). Bounded: the memo is dropped
 * whole when it reaches `max` entries. A call that throws remembers nothing.
 */
export function memoByText<T>(fn: (text: string) => T, max = 65_536): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    let out = memo.get(text);
    if (out === undefined && !memo.has(text)) {
      out = fn(text);
      if (memo.size >= max) memo.clear();
      memo.set(text, out);
    }
    return out as T;
  };
}

/**
 * `fn` remembered per argument object, for derivations of objects the caller treats as immutable
 * and hands over again while unchanged (planned peers, route specs, keys). Entries go with their
 * objects.
 */
export function memoByObject<O extends object, T>(fn: (obj: O) => T): (obj: O) => T {
  const memo = new WeakMap<O, T>();
  return (obj) => {
    const hit = memo.get(obj);
    if (hit !== undefined || memo.has(obj)) return hit as T;
    const out = fn(obj);
    memo.set(obj, out);
    return out;
  };
}
