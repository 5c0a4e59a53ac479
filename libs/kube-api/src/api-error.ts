/**
 * Failures as `meta.k8s.io/v1` Status objects, with the reasons and codes clients switch on
 * (client-node surfaces `code`; kubectl prints `message` and the causes).
 */
import type { FieldCause } from './schema-admission';

/** A request failure; the handler turns it into a Status response with `code`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** The Status body for this error. */
  toStatus(): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, details: this.details, code: this.code };
  }
}

type Ref = { group: string; kind: string; plural: string; name: string };
const qualified = (r: Pick<Ref, 'group' | 'plural'>) => (r.group ? `${r.plural}.${r.group}` : r.plural);

/** 404: `wirekubepeers.wirekube.io "n1" not found`. */
export const notFound = (r: Ref) =>
  new ApiError(404, 'NotFound', `${qualified(r)} "${r.name}" not found`, { name: r.name, group: r.group, kind: r.plural });

/** 409 AlreadyExists on create. */
export const alreadyExists = (r: Ref) =>
  new ApiError(409, 'AlreadyExists', `${qualified(r)} "${r.name}" already exists`, { name: r.name, group: r.group, kind: r.plural });

/** 409 Conflict: the caller's resourceVersion is stale. */
export const conflict = (r: Ref) =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${r.name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name: r.name, group: r.group, kind: r.plural },
  );

/** 422 Invalid with one cause per bad field. */
export function invalid(r: Ref, causes: FieldCause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const kindGroup = r.group ? `${r.kind}.${r.group}` : r.kind;
  return new ApiError(422, 'Invalid', `${kindGroup} "${r.name}" is invalid: ${joined}`, { name: r.name, group: r.group, kind: r.kind, causes });
}

/** 400 BadRequest. */
export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

/** 410 Gone: the requested resourceVersion is older than the retained history. */
export const gone = (rv: string, oldest: number) => new ApiError(410, 'Expired', `too old resource version: ${rv} (${oldest})`);

/** 405 MethodNotAllowed. */
export const methodNotAllowed = (what: string) => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${what}`);

/** 415 UnsupportedMediaType. */
export const unsupportedMediaType = (type: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${type})`);
