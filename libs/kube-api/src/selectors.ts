/**
 * Label and field selectors as the API server parses them (`a=b,c!=d,e in (x,y),!f`). A selector
 * that does not parse is a 400 for the caller, never a silent match-everything.
 */

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: Record<string, unknown>) => boolean;

/** Raised for unparseable or unsupported selectors; the message goes into a 400 Status. */
export class SelectorError extends Error {}

interface Requirement {
  key: string;
  op: 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin';
  values: string[];
}

/** Compiles a label selector; an empty string matches everything. */
export function parseLabelSelector(text: string): Matcher {
  const reqs = splitTopLevel(text).map(parseRequirement);
  return (obj) => {
    const labels = ((obj.metadata as Record<string, unknown> | undefined)?.labels ?? {}) as Record<string, string>;
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case 'exists':
          return has;
        case '!exists':
          return !has;
        case '=':
        case 'in':
          return has && r.values.includes(v);
        case '!=':
        case 'notin':
          return !has || !r.values.includes(v);
      }
    });
  };
}

/**
 * Compiles a field selector (`=`, `==`, `!=` only, as in Kubernetes). `allowed` decides which
 * field paths the resource supports; others are refused like the real server does.
 */
export function parseFieldSelector(text: string, allowed: (field: string) => boolean): Matcher {
  const reqs = splitTopLevel(text).map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector requirement "${part}"`);
    const field = m[1].trim();
    if (!allowed(field)) throw new SelectorError(`field label not supported: ${field}`);
    return { path: field.split('.'), neg: m[2] === '!=', value: m[3].trim() };
  });
  return (obj) =>
    reqs.every((r) => {
      let cur: unknown = obj;
      for (const p of r.path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
      const text = cur === undefined || cur === null ? '' : String(cur);
      return r.neg ? text !== r.value : text === r.value;
    });
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

function parseRequirement(part: string): Requirement {
  let m = /^!\s*(\S+)$/.exec(part);
  if (m) return checked({ key: m[1], op: '!exists', values: [] });
  m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (m) return checked({ key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()) });
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (m) return checked({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
  if (KEY.test(part)) return { key: part, op: 'exists', values: [] };
  throw new SelectorError(`unable to parse requirement: "${part}"`);
}

function checked(r: Requirement): Requirement {
  if (!KEY.test(r.key)) throw new SelectorError(`invalid label key "${r.key}"`);
  return r;
}
