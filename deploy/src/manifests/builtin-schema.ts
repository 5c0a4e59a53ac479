/**
 * Validation of built-in Kubernetes objects against two maintained packages generated from the
 * Kubernetes OpenAPI: `kubernetes-models` (types, formats, required fields, enums) and the model
 * type maps of `@kubernetes/client-node` (field names, which kubernetes-models does not check —
 * a misspelt `hostNetwrk` would otherwise pass and be dropped silently by the API server).
 */
import * as k8s from '@kubernetes/client-node';
import type { K8sObject } from './render';

interface AttributeType {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): AttributeType[] };

const models = k8s as unknown as Record<string, ModelClass | undefined>;

/** `apps/v1` + `Deployment` → the kubernetes-models module and the client-node type name. */
function locate(o: K8sObject): { module: string; typeName: string } {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const module = `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  return { module, typeName: `${version[0].toUpperCase()}${version.slice(1)}${o.kind}` };
}

/**
 * Problems with one built-in object, each with a field path; empty when valid. Throws when the
 * object's kind is unknown to either package (that is a problem of the manifest too).
 */
export async function validateBuiltin(o: K8sObject): Promise<string[]> {
  const { module, typeName } = locate(o);
  const problems: string[] = [];
  const mod = (await import(module).catch(() => undefined)) as Record<string, new (d: unknown) => { validate(): void }> | undefined;
  const Model = mod?.[o.kind];
  if (!Model) return [`${o.apiVersion} ${o.kind} is not a known built-in kind (${module})`];
  try {
    new Model(o).validate();
  } catch (err) {
    problems.push(String((err as Error).message));
  }
  if (!models[typeName]) return [...problems, `no client-node model ${typeName}`];
  unknownFields(o, typeName, '', problems);
  return problems;
}

function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1], `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, out);
    return;
  }
  const model = models[type];
  if (!model || typeof value !== 'object' || Array.isArray(value)) return;
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path ? `${path}.` : ''}${k}: unknown field of ${type}`);
    else unknownFields(v, t, `${path ? `${path}.` : ''}${k}`, out);
  }
}
