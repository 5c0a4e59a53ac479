import type { Condition } from '../crd/common';
import { summarizeProblems, type Problem } from '../validate/problems';

/** A condition without its transition time; {@link setCondition} fills that in. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns `conditions` with `c` set. `lastTransitionTime` moves to `nowIso` only when the
 * condition's status changes, so re-evaluating an unchanged condition yields an identical list
 * (and therefore no status write). Order is kept; new types are appended.
 */
export function setCondition(conditions: readonly Condition[] | undefined, c: ConditionInput, nowIso: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : nowIso };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** Finds a condition by type. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The `Valid`-style condition for a validation result: True/`Valid`, or False with the first problem's reason. */
export function validityCondition(type: string, problems: Problem[], observedGeneration?: number): ConditionInput {
  const base = observedGeneration === undefined ? {} : { observedGeneration };
  if (problems.length === 0) return { type, status: 'True', reason: 'Valid', message: 'spec is valid', ...base };
  return { type, status: 'False', reason: problems[0].reason, message: summarizeProblems(problems), ...base };
}

/** RFC 3339 timestamp with second precision, as conditions use. */
export function conditionTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
