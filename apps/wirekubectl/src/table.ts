/**
 * Aligned text tables, the way kubectl prints them: upper-case headers, columns separated by
 * three spaces, no trailing blanks. Widths count code points, so arrows like ↔ align.
 */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const width = (s: string) => [...s].length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - width(c))))
      .join('   ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

/** `12s`, `5m`, `3h`, `2d` — kubectl's coarse age; `-` for unknown; never negative. */
export function humanAge(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Milliseconds since an RFC 3339 time, or undefined when absent or unparsable. */
export function ageOf(time: string | undefined, nowMs: number): number | undefined {
  if (!time) return undefined;
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : nowMs - t;
}
