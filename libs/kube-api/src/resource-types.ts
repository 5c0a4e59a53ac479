/**
 * What the API stand-in serves: one descriptor per resource type (built-in or installed through a
 * CustomResourceDefinition). Discovery, routing, validation and Table output all read from these.
 */

/** The subset of OpenAPI v3 (JSONSchemaProps) the stand-in validates and defaults with. */
export interface OpenApiSchema {
  type?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  nullable?: boolean;
  anyOf?: OpenApiSchema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
}

/** A printer column from a CRD (or a built-in's default columns). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** Everything the server knows about one served resource type. */
export interface ResourceType {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** True when `/status` is a subresource and the main endpoint ignores status changes. */
  statusSubresource: boolean;
  /** True for custom resources: schema validation, pruning, 415 for strategic merge patch. */
  custom: boolean;
  /** Structural schema of the whole object (custom resources only). */
  schema?: OpenApiSchema;
  printerColumns: PrinterColumn[];
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Unique key of a resource type: `plural.group/version`. */
export function typeKey(t: Pick<ResourceType, 'group' | 'version' | 'plural'>): string {
  return `${t.plural}.${t.group}/${t.version}`;
}

const builtin = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType => ({
  group,
  version,
  kind,
  listKind: `${kind}List`,
  plural,
  singular: kind.toLowerCase(),
  shortNames: [],
  categories: [],
  namespaced,
  statusSubresource: false,
  custom: false,
  printerColumns: [],
  ...extra,
});

/** The built-in types the stand-in serves: what WireKube and kubectl need, nothing more. */
export function builtinTypes(): ResourceType[] {
  return [
    builtin('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], statusSubresource: true }),
    builtin('', 'v1', 'Node', 'nodes', false, {
      shortNames: ['no'],
      statusSubresource: true,
      printerColumns: [
        { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'InternalIP', type: 'string', jsonPath: '.status.addresses[?(@.type=="InternalIP")].address' },
        { name: 'Version', type: 'string', jsonPath: '.status.nodeInfo.kubeletVersion' },
      ],
    }),
    builtin('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
    builtin('', 'v1', 'Secret', 'secrets', true, {
      printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type' }],
    }),
    builtin('', 'v1', 'Event', 'events', true, {
      shortNames: ['ev'],
      printerColumns: [
        { name: 'Type', type: 'string', jsonPath: '.type' },
        { name: 'Reason', type: 'string', jsonPath: '.reason' },
        { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
        { name: 'Message', type: 'string', jsonPath: '.message' },
      ],
    }),
    builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true, {
      printerColumns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }],
    }),
    builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      statusSubresource: true,
      printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    }),
  ];
}

/**
 * Reads the served versions of a CRD object into resource types, or explains why it cannot be
 * served. Only what the stand-in needs is checked; the real API server checks far more.
 */
export function typesFromCrd(crd: Record<string, unknown>): { types: ResourceType[] } | { error: string } {
  const spec = crd.spec as Record<string, unknown> | undefined;
  const names = spec?.names as Record<string, unknown> | undefined;
  const group = spec?.group;
  if (typeof group !== 'string' || !group.includes('.')) return { error: 'spec.group must be a DNS subdomain with at least one dot' };
  if (!names || typeof names.plural !== 'string' || typeof names.kind !== 'string') {
    return { error: 'spec.names.plural and spec.names.kind are required' };
  }
  const metaName = (crd.metadata as Record<string, unknown> | undefined)?.name;
  if (metaName !== `${names.plural}.${group}`) return { error: `metadata.name must be spec.names.plural+"."+spec.group (${names.plural}.${group})` };
  if (spec?.scope !== 'Cluster' && spec?.scope !== 'Namespaced') return { error: 'spec.scope must be Cluster or Namespaced' };
  const versions = Array.isArray(spec?.versions) ? (spec.versions as Array<Record<string, unknown>>) : [];
  if (versions.length === 0) return { error: 'spec.versions must have at least one version' };
  if (versions.filter((v) => v.storage === true).length !== 1) return { error: 'exactly one version must be marked storage' };
  const types: ResourceType[] = [];
  for (const v of versions) {
    if (typeof v.name !== 'string') return { error: 'every spec.versions[] needs a name' };
    if (v.served !== true) continue;
    const schema = (v.schema as { openAPIV3Schema?: OpenApiSchema } | undefined)?.openAPIV3Schema;
    if (!schema || schema.type !== 'object') return { error: `spec.versions[${v.name}].schema.openAPIV3Schema must be an object schema` };
    const sub = v.subresources as Record<string, unknown> | undefined;
    types.push({
      group,
      version: v.name,
      kind: names.kind,
      listKind: typeof names.listKind === 'string' ? names.listKind : `${names.kind}List`,
      plural: names.plural,
      singular: typeof names.singular === 'string' ? names.singular : names.kind.toLowerCase(),
      shortNames: Array.isArray(names.shortNames) ? (names.shortNames as string[]) : [],
      categories: Array.isArray(names.categories) ? (names.categories as string[]) : [],
      namespaced: spec.scope === 'Namespaced',
      statusSubresource: sub?.status !== undefined,
      custom: true,
      schema,
      printerColumns: Array.isArray(v.additionalPrinterColumns) ? (v.additionalPrinterColumns as PrinterColumn[]) : [],
    });
  }
  return { types };
}
