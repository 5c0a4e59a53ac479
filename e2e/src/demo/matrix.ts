/** Reachability of every ordered pair of mesh nodes: `reach.get(from)?.get(to)` is true when a ping answered. */
export type PingMatrix = Map<string, Map<string, boolean>>;

/** Ordered pairs `from→to` that did not answer, in row order. */
export function unreachablePairs(names: readonly string[], m: PingMatrix): string[] {
  return names.flatMap((a) => names.filter((b) => b !== a && m.get(a)?.get(b) !== true).map((b) => `${a}→${b}`));
}

/**
 * The matrix as text: rows are the pinging node, columns the pinged one; `ok` answered over
 * WireGuard, `--` did not, `·` is the node itself.
 */
export function formatMatrix(names: readonly string[], m: PingMatrix): string {
  const w = Math.max(4, ...names.map((n) => n.length + 2));
  const first = Math.max(w, 'from\\to'.length + 2);
  const cell = (s: string) => s.padEnd(w);
  const head = 'from\\to'.padEnd(first) + names.map(cell).join('');
  const rows = names.map((a) => a.padEnd(first) + names.map((b) => cell(a === b ? '·' : m.get(a)?.get(b) ? 'ok' : '--')).join(''));
  return [head.trimEnd(), ...rows.map((r) => r.trimEnd())].join('\n');
}
