import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Root of deploy/ (this file lives in deploy/src/manifests). */
export const DEPLOY_DIR = join(__dirname, '..', '..');

/** A rendered Kubernetes object, as plain JSON. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Every kustomization users apply: the base and each overlay found on disk (so a new overlay is
 * tested without anyone remembering to list it). Paths relative to deploy/.
 */
export function kustomizationDirs(): string[] {
  const overlays = join(DEPLOY_DIR, 'overlays');
  const dirs = [join(DEPLOY_DIR, 'base'), ...readdirSync(overlays).map((d) => join(overlays, d))];
  return dirs.filter((d) => existsSync(join(d, 'kustomization.yaml'))).map((d) => relative(DEPLOY_DIR, d));
}

/** Renders one kustomization with the real `kubectl kustomize` and parses every document. */
export function renderKustomization(dir: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', join(DEPLOY_DIR, dir)], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length) throw new Error(`${dir}: document ${i}: ${doc.errors[0].message}`);
    return doc.toJSON() as K8sObject;
  });
}

/** `Kind/namespace/name` — how problems name an object. */
export function objectRef(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
