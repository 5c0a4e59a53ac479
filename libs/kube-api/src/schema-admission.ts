/**
 * Admission of custom resources against their structural schema, in the API server's order:
 * prune unknown fields, apply defaults, validate. Errors carry field paths and messages worded
 * like the real API server's, so `kubectl` prints something a person recognises.
 */
import type { OpenApiSchema } from './resource-types';

/** One invalid field, as it appears in a Status' `details.causes`. */
export interface FieldCause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueTooLong' | 'FieldValueDuplicate' | 'FieldValueTooMany' | 'FieldValueTypeInvalid' | 'FieldValueUnknown';
  field: string;
  message: string;
}

/** Outcome of {@link admitObject}: the object was changed in place (pruned, defaulted). */
export interface Admission {
  causes: FieldCause[];
  /** Paths of fields dropped because the schema does not know them. */
  unknownFields: string[];
}

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const ROOT_KEPT = new Set(['apiVersion', 'kind', 'metadata']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Prunes, defaults and validates `obj` (a whole custom resource) in place. */
export function admitObject(schema: OpenApiSchema, obj: JsonObject): Admission {
  const out: Admission = { causes: [], unknownFields: [] };
  prune(schema, obj, '', out, true);
  applyDefaults(schema, obj);
  validate(schema, obj, '', out.causes, true);
  return out;
}

/** Renders a value the way Go's field errors do (`"text"`, `42`, `true`). */
export function renderValue(v: Json): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (isObject(v)) return '"object"';
  if (Array.isArray(v)) return '"array"';
  return String(v);
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function prune(s: OpenApiSchema, v: Json, path: string, out: Admission, root = false): void {
  if (s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-int-or-string']) return;
  if (isObject(v)) {
    if (s.properties) {
      for (const k of Object.keys(v)) {
        if (root && ROOT_KEPT.has(k)) continue;
        const child = s.properties[k];
        if (!child) {
          delete v[k];
          out.unknownFields.push(join(path, k));
        } else if (v[k] === null && !child.nullable) delete v[k];
        else prune(child, v[k], join(path, k), out);
      }
    } else if (isObject(s.additionalProperties)) {
      for (const k of Object.keys(v)) prune(s.additionalProperties, v[k], join(path, k), out);
    }
  } else if (Array.isArray(v) && s.items) {
    v.forEach((item, i) => prune(s.items as OpenApiSchema, item, `${path}[${i}]`, out));
  }
}

function applyDefaults(s: OpenApiSchema, v: Json): void {
  if (isObject(v) && s.properties) {
    for (const [k, child] of Object.entries(s.properties)) {
      if (v[k] === undefined && child.default !== undefined) v[k] = structuredClone(child.default);
      if (v[k] !== undefined) applyDefaults(child, v[k]);
    }
  } else if (isObject(v) && isObject(s.additionalProperties)) {
    for (const k of Object.keys(v)) applyDefaults(s.additionalProperties, v[k]);
  } else if (Array.isArray(v) && s.items) {
    for (const item of v) applyDefaults(s.items, item);
  }
}

function typeOk(type: string | undefined, v: Json): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

function validate(s: OpenApiSchema, v: Json, path: string, causes: FieldCause[], root = false): void {
  const field = path || '<root>';
  const invalid = (detail: string) => causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${renderValue(v)}: ${detail}` });
  if (v === null) {
    if (!s.nullable) causes.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "null": ${field} in body must be of type ${s.type ?? 'object'}: "null"` });
    return;
  }
  if (s['x-kubernetes-int-or-string'] && s.anyOf) {
    const ok = s.anyOf.some((alt) => {
      const sub: FieldCause[] = [];
      validate(alt, v, path, sub);
      return sub.length === 0;
    });
    if (!ok) invalid(`${field} in body must be ${describeAlternatives(s.anyOf)}`);
    return;
  }
  if (!typeOk(s.type, v)) {
    causes.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${renderValue(v)}: ${field} in body must be of type ${s.type}: ${renderValue(v)}` });
    return;
  }
  if (s.enum && !s.enum.some((e) => e === v)) {
    causes.push({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${renderValue(v)}: supported values: ${s.enum.map(renderValue).join(', ')}` });
  }
  if (typeof v === 'string') validateString(s, v, field, causes, invalid);
  if (typeof v === 'number') {
    if (s.minimum !== undefined && (v < s.minimum || (s.exclusiveMinimum && v === s.minimum))) invalid(`${field} in body should be greater than or equal to ${s.minimum}`);
    if (s.maximum !== undefined && (v > s.maximum || (s.exclusiveMaximum && v === s.maximum))) invalid(`${field} in body should be less than or equal to ${s.maximum}`);
  }
  if (Array.isArray(v)) validateArray(s, v, path, causes);
  if (isObject(v)) {
    for (const r of s.required ?? []) {
      if (v[r] === undefined) causes.push({ reason: 'FieldValueRequired', field: join(path, r), message: 'Required value' });
    }
    for (const [k, child] of Object.entries(v)) {
      if (root && ROOT_KEPT.has(k)) continue;
      const cs = s.properties?.[k] ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
      if (cs) validate(cs, child, join(path, k), causes);
    }
  }
}

function validateString(s: OpenApiSchema, v: string, field: string, causes: FieldCause[], invalid: (d: string) => void): void {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) {
    causes.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${s.maxLength} bytes` });
  }
  if (s.minLength !== undefined && length < s.minLength) invalid(`${field} in body should be at least ${s.minLength} chars long`);
  if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) invalid(`${field} in body should match '${s.pattern}'`);
  if (s.format === 'date-time' && !(RFC3339.test(v) && !Number.isNaN(Date.parse(v)))) invalid(`${field} in body must be of type date-time: ${JSON.stringify(v)}`);
}

function validateArray(s: OpenApiSchema, v: Json[], path: string, causes: FieldCause[]): void {
  const field = path || '<root>';
  if (s.minItems !== undefined && v.length < s.minItems) {
    causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${v.length}: ${field} in body should have at least ${s.minItems} items` });
  }
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    causes.push({ reason: 'FieldValueTooMany', field, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const key = listType === 'set' ? JSON.stringify(item) : JSON.stringify(keys.map((k) => (isObject(item) ? item[k] : undefined)));
      if (seen.has(key)) causes.push({ reason: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${listType === 'set' ? renderValue(item) : key}` });
      seen.add(key);
    });
  }
  if (s.items) v.forEach((item, i) => validate(s.items as OpenApiSchema, item, `${path}[${i}]`, causes));
}

function describeAlternatives(alts: OpenApiSchema[]): string {
  return alts
    .map((a) => (a.enum ? `one of ${a.enum.map(renderValue).join(', ')}` : a.type === 'integer' ? `an integer in [${a.minimum ?? '-inf'}, ${a.maximum ?? 'inf'}]` : `of type ${a.type}`))
    .join(' or ');
}
