import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '@wirekube/planner';
import { Reasons, type Problem } from './problems';

/** A CIDR list entry that parsed, with where it came from. */
export interface LocatedCidr {
  field: string;
  cidr: Cidr;
  text: string;
}

/**
 * Parses every entry of a CIDR list (`field[i]`), collecting problems for malformed entries and
 * for entries that overlap an earlier one in the same list.
 */
export function checkCidrList(field: string, list: readonly string[] | undefined, problems: Problem[]): LocatedCidr[] {
  const out: LocatedCidr[] = [];
  (list ?? []).forEach((text, i) => {
    const at = `${field}[${i}]`;
    const r = parseCidr(text);
    if (!r.ok) {
      problems.push({ field: at, reason: Reasons.InvalidCIDR, message: r.reason });
      return;
    }
    const clash = out.find((o) => cidrsOverlap(o.cidr, r.value));
    if (clash) {
      problems.push({ field: at, reason: Reasons.OverlappingCIDRs, message: `${formatCidr(r.value)} overlaps ${clash.text} (${clash.field})` });
      return;
    }
    out.push({ field: at, cidr: r.value, text: formatCidr(r.value) });
  });
  return out;
}
