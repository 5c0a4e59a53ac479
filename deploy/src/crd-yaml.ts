import { wireKubeCrds, type CustomResourceDefinition } from '@wirekube/k8s';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Directory holding the committed CRD manifests. */
export const CRD_DIR = join(__dirname, '..', 'crds');

const HEADER = '# Generated from libs/k8s/src/crd by `cd deploy && npx tsx src/gen-crds.ts`. Do not edit.\n';

/** File name of a CRD's manifest: `<plural>.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.names.plural}.yaml`;
}

/** The manifest text of one CRD, deterministic for a given definition. */
export function renderCrd(crd: CustomResourceDefinition): string {
  return HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Every CRD manifest as file name → content. */
export function renderAllCrds(): Map<string, string> {
  return new Map(wireKubeCrds.map((c) => [crdFileName(c), renderCrd(c)]));
}
