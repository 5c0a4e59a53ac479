/**
 * What happens when a CustomResourceDefinition object is written or deleted: its structure is
 * checked and its status filled as a healthy API server would (NamesAccepted, Established), its
 * served versions become resource types, and they disappear again with the CRD.
 */
import { badRequest, invalid } from './api-error';
import { typesFromCrd } from './resource-types';
import type { Obj, ObjectStore } from './store';

/** Type key of CustomResourceDefinition objects. */
export const CRD_KEY = 'customresourcedefinitions.apiextensions.k8s.io/v1';

/** Checks a CRD about to be stored and fills its status in place; throws 422/400 when unusable. */
export function prepareCrd(store: ObjectStore, obj: Obj, nowIso: string): void {
  const parsed = typesFromCrd(obj);
  if ('error' in parsed) {
    throw invalid({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', name: obj.metadata.name }, [
      { reason: 'FieldValueInvalid', field: 'spec', message: `Invalid value: "object": ${parsed.error}` },
    ]);
  }
  for (const nt of parsed.types) {
    const clash = store.allTypes().find((x) => x.group === nt.group && x.version === nt.version && x.plural === nt.plural && x.kind !== nt.kind);
    if (clash) throw badRequest(`resource ${nt.plural}.${nt.group} is already served with kind ${clash.kind}`);
  }
  const spec = obj.spec as { names: unknown; versions: Array<{ name: string; storage: boolean }> };
  const since = (obj.status as { conditions?: Array<{ lastTransitionTime: string }> } | undefined)?.conditions?.[0]?.lastTransitionTime ?? nowIso;
  const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', reason, message, lastTransitionTime: since });
  obj.status = {
    acceptedNames: spec.names,
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
    conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
  };
}

/** Serves the CRD's versions (and stops serving versions it no longer lists). */
export function installCrd(store: ObjectStore, crd: Obj): void {
  const parsed = typesFromCrd(crd);
  if ('error' in parsed) return;
  const group = (crd.spec as { group: string }).group;
  for (const old of store.allTypes()) {
    if (old.custom && old.group === group && old.plural === parsed.types[0]?.plural && !parsed.types.some((n) => n.version === old.version)) store.removeType(old);
  }
  for (const nt of parsed.types) store.addType(nt);
}

/** Stops serving every version of a deleted CRD (its objects go with it). */
export function uninstallCrd(store: ObjectStore, crd: Obj): void {
  const parsed = typesFromCrd(crd);
  if ('error' in parsed) return;
  for (const nt of parsed.types) {
    const t = store.findType(nt.group, nt.version, nt.plural);
    if (t) store.removeType(t);
  }
}
