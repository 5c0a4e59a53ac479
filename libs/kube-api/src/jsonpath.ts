/**
 * The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[*].b`, `.a['k.with.dots']` and
 * filters `[?(@.type=="Ready")]`. Returns every match, in document order.
 */

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; path: string[]; value: string };

/** Raised for a path outside the supported subset. */
export class JsonPathError extends Error {}

/** Parses a printer-column path (leading `.` optional, `{}` braces tolerated). */
export function compileJsonPath(expr: string): (root: unknown) => unknown[] {
  const steps = parse(expr.replace(/^\{(.*)\}$/, '$1').trim());
  return (root) => {
    let cur: unknown[] = [root];
    for (const s of steps) cur = cur.flatMap((v) => apply(s, v));
    return cur.filter((v) => v !== undefined);
  };
}

function apply(s: Step, v: unknown): unknown[] {
  if (v === null || typeof v !== 'object') return [];
  switch (s.kind) {
    case 'key':
      return Array.isArray(v) ? [] : [(v as Record<string, unknown>)[s.key]];
    case 'index':
      return Array.isArray(v) ? [v.at(s.index)] : [];
    case 'all':
      return Array.isArray(v) ? v : Object.values(v);
    case 'filter':
      return (Array.isArray(v) ? v : []).filter((item) => {
        let cur: unknown = item;
        for (const k of s.path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
        return cur !== undefined && String(cur) === s.value;
      });
  }
}

function parse(expr: string): Step[] {
  const steps: Step[] = [];
  let i = expr.startsWith('$') ? 1 : 0;
  while (i < expr.length) {
    if (expr[i] === '.') {
      const m = /^\.([A-Za-z0-9_-]+)/.exec(expr.slice(i));
      if (!m) throw new JsonPathError(`unsupported JSONPath at "${expr.slice(i)}"`);
      steps.push({ kind: 'key', key: m[1] });
      i += m[0].length;
    } else if (expr[i] === '[') {
      const close = expr.indexOf(']', expr.startsWith('[?(', i) ? expr.indexOf(')]', i) : i);
      if (close < 0) throw new JsonPathError(`unterminated [ in "${expr}"`);
      steps.push(bracket(expr.slice(i + 1, close)));
      i = close + 1;
    } else throw new JsonPathError(`unsupported JSONPath at "${expr.slice(i)}"`);
  }
  return steps;
}

function bracket(inner: string): Step {
  if (inner === '*') return { kind: 'all' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(inner);
  if (quoted) return { kind: 'key', key: quoted[1] ?? quoted[2] };
  const filter = /^\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\)$/.exec(inner);
  if (filter) return { kind: 'filter', path: filter[1].split('.'), value: filter[2] ?? filter[3] ?? filter[4] };
  throw new JsonPathError(`unsupported JSONPath bracket [${inner}]`);
}
