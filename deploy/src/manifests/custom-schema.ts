import { wireKubeCrds, WIREKUBE_GROUP } from '@wirekube/k8s';
import { admitObject, type OpenApiSchema } from '@wirekube/kube-api';
import type { K8sObject } from './render';

/** True for objects of our own API group. */
export function isWireKubeResource(o: K8sObject): boolean {
  return o.apiVersion.split('/')[0] === WIREKUBE_GROUP;
}

/**
 * Problems with one WireKube custom resource against the CRD schema from `@wirekube/k8s` (the
 * source of deploy/crds), admitted the way the API server does: unknown fields are reported
 * (the server would prune them silently), then every value is validated. Empty when valid.
 */
export function validateCustom(o: K8sObject): string[] {
  const crd = wireKubeCrds.find((c) => c.spec.names.kind === o.kind && o.apiVersion === `${c.spec.group}/${c.spec.versions[0].name}`);
  if (!crd) return [`${o.apiVersion} ${o.kind} is not a WireKube resource`];
  const copy = structuredClone(o) as unknown as Record<string, unknown>;
  const admission = admitObject(crd.spec.versions[0].schema.openAPIV3Schema as OpenApiSchema, copy);
  return [...admission.unknownFields.map((f) => `${f}: unknown field`), ...admission.causes.map((c) => `${c.field}: ${c.message}`)];
}
