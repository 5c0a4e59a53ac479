import type { RouterPlan, SitePlan } from './plan';
import { forgetMappingsRuleset } from './nat-rules';
import { WireKubeError } from '@wirekube/util';
import { type ExecResult, type RunOptions, run } from './sh';

/** Runs `argv` inside a router namespace (routers have no private /run/wireguard). */
export function routerExec(r: RouterPlan, argv: readonly string[], opts?: RunOptions): Promise<ExecResult> {
  return run(['ip', 'netns', 'exec', r.netns, ...argv], opts);
}

/**
 * A site as built. `routers` lists the NAT routers from the LAN outwards (home router, then the
 * carrier NAT for double NAT); empty for public sites.
 */
export class LabSite {
  constructor(readonly plan: SitePlan) {}

  get name(): string {
    return this.plan.name;
  }

  get nat(): SitePlan['nat'] {
    return this.plan.nat;
  }

  /** The address the internet sees for this site's NATed traffic; undefined for public sites. */
  get wanAddr(): string | undefined {
    return this.plan.wanAddr;
  }

  /** LAN prefix (10.<i>.0.0/24; 10.<i>.0.0/16 with `subnetPerMember`), or the public /24 for public sites. */
  get lanCidr(): string {
    return this.plan.lanCidr;
  }

  /** The /24 on the internet segment holding every public address of this site. */
  get publicCidr(): string {
    return this.plan.publicCidr;
  }

  get routers(): RouterPlan[] {
    return [this.plan.router, this.plan.carrierRouter].filter((r): r is RouterPlan => r !== undefined);
  }

  /** Runs a command in the home router (`which: 'router'`) or the carrier NAT (`'carrier'`). */
  exec(argv: readonly string[], which: 'router' | 'carrier' = 'router', opts?: RunOptions): Promise<ExecResult> {
    const r = which === 'router' ? this.plan.router : this.plan.carrierRouter;
    if (!r) throw new WireKubeError('LAB_NO_ROUTER', `site ${this.name} has no ${which}`);
    return routerExec(r, argv, opts);
  }

  /**
   * Forgets all NAT state in every router of the site — conntrack entries and learned cone
   * mappings — keeping the rules. Call between test cases so one case's mappings cannot help or
   * hurt the next (a stale entry makes simultaneous punching pick a new port).
   */
  async flushNat(): Promise<void> {
    await Promise.all(
      this.routers.map((r) =>
        routerExec(r, ['sh', '-c', `conntrack -F 2>/dev/null; printf '%s' "$0" | nft -f -`, forgetMappingsRuleset(r)]),
      ),
    );
  }
}
