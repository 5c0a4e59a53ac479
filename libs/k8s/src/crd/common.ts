import type { V1ObjectMeta } from '@kubernetes/client-node';
import { CONDITION_REASON_PATTERN } from './patterns';
import { int, list, obj, oneOf, opt, str, type Infer } from './schema-builder';

/** API group and version of every WireKube resource. */
export const WIREKUBE_GROUP = 'wirekube.io';
export const WIREKUBE_VERSION = 'v1alpha1';
export const WIREKUBE_API_VERSION = `${WIREKUBE_GROUP}/${WIREKUBE_VERSION}`;

/** A status condition, shaped like metav1.Condition. */
export const conditionSchema = obj({
  type: str({ maxLength: 316, pattern: '^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$', description: 'CamelCase condition type, e.g. Ready.' }),
  status: oneOf(['True', 'False', 'Unknown'] as const),
  reason: str({ minLength: 1, maxLength: 1024, pattern: CONDITION_REASON_PATTERN, description: 'Machine-readable CamelCase reason.' }),
  message: str({ maxLength: 32768, description: 'Human-readable explanation.' }),
  lastTransitionTime: str({ format: 'date-time', description: 'When status last changed (RFC 3339).' }),
  observedGeneration: opt(int({ minimum: 0, format: 'int64', description: 'metadata.generation the condition was computed from.' })),
});

/** A status condition. */
export type Condition = Infer<typeof conditionSchema>;

/** The conditions list: a map keyed by `type`, so server-side apply merges per condition. */
export const conditionsSchema = list(conditionSchema, { listType: 'map', mapKeys: ['type'], maxItems: 16 });

/** The generation a status was computed from. */
export const observedGenerationSchema = int({ minimum: 0, format: 'int64', description: 'metadata.generation this status reflects.' });

/** A WireKube custom resource with typed spec and status. */
export interface CustomResource<K extends string, Spec, Status> {
  apiVersion: typeof WIREKUBE_API_VERSION;
  kind: K;
  metadata: V1ObjectMeta;
  spec: Spec;
  status?: Status;
}

