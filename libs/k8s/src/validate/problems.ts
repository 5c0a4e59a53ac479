/**
 * A semantic problem with a resource: where (`field`), a CamelCase `reason` fit for a condition,
 * and a message a person can act on. Validation returns these; it never throws.
 */
export interface Problem {
  field: string;
  reason: string;
  message: string;
}

/** Condition reasons used by WireKube's validation. */
export const Reasons = {
  InvalidCIDR: 'InvalidCIDR',
  OverlappingCIDRs: 'OverlappingCIDRs',
  InvalidEndpoint: 'InvalidEndpoint',
  DuplicateEntry: 'DuplicateEntry',
  RouteCapturesNode: 'RouteCapturesNode',
  RouteOverlapsGateway: 'RouteOverlapsGateway',
  UnknownPeer: 'UnknownPeer',
  InvalidValue: 'InvalidValue',
} as const;

/** Renders problems as one condition message (first few, then a count). */
export function summarizeProblems(problems: Problem[], max = 3): string {
  const shown = problems.slice(0, max).map((p) => `${p.field}: ${p.message}`);
  const more = problems.length > max ? `; and ${problems.length - max} more` : '';
  return shown.join('; ') + more;
}
