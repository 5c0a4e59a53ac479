import { ApiException } from '@kubernetes/client-node';
import { WireKubeError } from '@wirekube/util';

/** A failed API call, with the HTTP status and the Status message when the server sent one. */
export class KubeApiError extends WireKubeError {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`k8s-${status}`, message, options);
  }
}

/** Wraps client-node's ApiException (or a network error) into a {@link KubeApiError}; status 0 = no response. */
export function toKubeError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    let message = String(err.message);
    try {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      if (body && typeof body.message === 'string') message = body.message;
    } catch {
      // Non-JSON bodies keep client-node's message.
    }
    return new KubeApiError(err.code, `${what}: ${message}`, { cause: err });
  }
  return new KubeApiError(0, `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** True for 404 Not Found. */
export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;
/** True for 409 Conflict or AlreadyExists. */
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409;
