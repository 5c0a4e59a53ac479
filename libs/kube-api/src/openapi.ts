/**
 * A minimal OpenAPI v3 document per group/version. kubectl reads it to decide whether the server
 * validates fields itself (`fieldValidation` on the write operations of a kind); when it does,
 * kubectl sends `fieldValidation=Strict` and leaves validation to us instead of fetching
 * `/openapi/v2` for client-side checks. Schemas are included for custom resources only.
 */
import { createHash } from 'node:crypto';
import type { ResourceType } from './resource-types';

const gvPath = (t: Pick<ResourceType, 'group' | 'version'>) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`);

/** `/openapi/v3`: one entry per served group/version, with a content hash like the real server. */
export function openApiRoot(types: ResourceType[]): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of types) {
    const p = gvPath(t);
    const hash = createHash('sha256').update(JSON.stringify(openApiGroupVersion(types, p))).digest('hex').slice(0, 32).toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

/** `/openapi/v3/<api/v1 | apis/g/v>`, or undefined for an unknown group/version. */
export function openApiGroupVersion(types: ResourceType[], path: string): Record<string, unknown> | undefined {
  const here = types.filter((t) => gvPath(t) === path);
  if (here.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const params = [
    { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
  ];
  for (const t of here) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const ref = schemaName(t);
    const op = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: { '200': { description: 'OK' } } });
    const base = `/${path}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}`;
    paths[base] = { post: op('post'), get: { ...op('list'), parameters: [] } };
    paths[`${base}/{name}`] = {
      put: op('put'),
      patch: {
        ...op('patch'),
        requestBody: { content: Object.fromEntries(PATCH_TYPES.map((m) => [m, { schema: { type: 'object' } }])) },
      },
      delete: op('delete'),
      get: { ...op('get'), parameters: [] },
    };
    schemas[ref] = { ...(t.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), 'x-kubernetes-group-version-kind': [gvk] };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (wirekube kube-api test double)', version: 'v1.32.0' }, paths, components: { schemas } };
}

function schemaName(t: ResourceType): string {
  const group = t.group ? t.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${group}.${t.version}.${t.kind}`;
}

/** Patch content types; strategic merge is never advertised, so kubectl computes it itself. */
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
