/**
 * Base class of WireKube's typed errors. `code` is stable and machine-readable; the message is
 * for people. Wrap lower-level errors with `cause` instead of flattening them into strings.
 */
export class WireKubeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Returns `err.message` for Errors and a string rendering for anything else thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
