/**
 * The JSON merge patch (RFC 7386) that turns `from` into `to`: changed keys, `null` for removed
 * keys, nested objects diffed recursively, arrays replaced whole. Undefined when equal.
 */
export function mergePatchDiff(from: unknown, to: unknown): unknown {
  if (isObject(from) && isObject(to)) {
    const patch: Record<string, unknown> = {};
    for (const k of Object.keys(from)) if (from[k] !== undefined && to[k] === undefined) patch[k] = null;
    for (const [k, v] of Object.entries(to)) {
      if (v === undefined) continue;
      const d = mergePatchDiff(from[k], v);
      if (d !== undefined) patch[k] = d;
    }
    return Object.keys(patch).length ? patch : undefined;
  }
  return JSON.stringify(from) === JSON.stringify(to) ? undefined : to;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
