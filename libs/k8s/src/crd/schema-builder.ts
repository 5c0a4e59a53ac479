/**
 * A tiny builder for Kubernetes structural OpenAPI v3 schemas that also yields the matching
 * TypeScript type. Each CRD field is written once: `Infer<typeof X>` is the type, `X.json` is the
 * schema that goes into the CustomResourceDefinition. That is how types and schemas cannot drift.
 */

/** The subset of JSONSchemaProps that WireKube's CRDs use (and the API stand-in validates). */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  anyOf?: JsonSchema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

declare const phantom: unique symbol;

/**
 * A schema whose validated values have type `T`. `O` marks a property that may be absent from
 * its parent object (set with {@link opt}).
 */
export interface Schema<T, O extends boolean = false> {
  readonly json: JsonSchema;
  readonly optional: O;
  readonly [phantom]?: T;
}

/** The TypeScript type a schema describes. */
export type Infer<S> = S extends Schema<infer T, boolean> ? T : never;

type Props = Record<string, Schema<unknown, boolean>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<P extends Props> = Simplify<
  { [K in keyof P as P[K] extends Schema<unknown, true> ? never : K]: Infer<P[K]> } & {
    [K in keyof P as P[K] extends Schema<unknown, true> ? K : never]?: Infer<P[K]>;
  }
>;

/** Common options: documentation and a default applied by the API server when absent. */
interface Common<T> {
  description?: string;
  default?: T;
}

const make = <T>(json: JsonSchema): Schema<T> => ({ json: stripUndefined(json), optional: false });

/** A string, optionally constrained by an RE2-compatible pattern, length bounds or a format. */
export function str(o: Common<string> & { pattern?: string; minLength?: number; maxLength?: number; format?: string } = {}): Schema<string> {
  return make({ type: 'string', ...o });
}

/** An integer within optional bounds. */
export function int(o: Common<number> & { minimum?: number; maximum?: number; format?: 'int32' | 'int64' } = {}): Schema<number> {
  return make({ type: 'integer', ...o });
}

/** A boolean. */
export function bool(o: Common<boolean> = {}): Schema<boolean> {
  return make({ type: 'boolean', ...o });
}

/** A string restricted to the given values. */
export function oneOf<const V extends readonly string[]>(values: V, o: Common<V[number]> = {}): Schema<V[number]> {
  return make({ type: 'string', enum: [...values], ...o });
}

/** An array of `item`. `listType: 'map'` needs `mapKeys` naming required scalar fields of the item. */
export function list<T>(
  item: Schema<T, boolean>,
  o: Common<T[]> & { minItems?: number; maxItems?: number; listType?: 'atomic' | 'set' | 'map'; mapKeys?: string[] } = {},
): Schema<T[]> {
  const { listType, mapKeys, ...rest } = o;
  return make({ type: 'array', items: item.json, ...rest, 'x-kubernetes-list-type': listType, 'x-kubernetes-list-map-keys': mapKeys });
}

/** An object with exactly the given properties; properties not wrapped in {@link opt} are required. */
export function obj<P extends Props>(props: P, o: Common<ObjectOf<P>> = {}): Schema<ObjectOf<P>> {
  const required = Object.keys(props).filter((k) => !props[k].optional);
  const properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.json]));
  return make({ type: 'object', ...o, properties, required: required.length ? required : undefined });
}

/** An integer in [min, max] or the string `auto` (`x-kubernetes-int-or-string`). */
export function intOrAuto(o: Common<number | 'auto'> & { minimum: number; maximum: number }): Schema<number | 'auto'> {
  const { minimum, maximum, ...rest } = o;
  return make({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer', minimum, maximum }, { type: 'string', enum: ['auto'] }],
    ...rest,
  });
}

/** Marks a property optional in its parent object. */
export function opt<T>(s: Schema<T, boolean>): Schema<T, true> {
  return { json: s.json, optional: true };
}

function stripUndefined(json: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined)) as JsonSchema;
}
