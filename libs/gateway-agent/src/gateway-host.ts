import { nullLogger, type Logger } from '@wirekube/util';
import type { GatewayHostState, SnatRuleSpec } from './assignment';

/** Level-triggered owner of the gateway SNAT rules (`@wirekube/host`'s `SnatApplier` fits). */
export interface SnatPort {
  set(rules: SnatRuleSpec[]): Promise<unknown>;
}

/** Level-triggered sysctl setter (`@wirekube/host`'s `SysctlApplier` fits). */
export interface SysctlSetter {
  set(desired: Readonly<Record<string, string>>): Promise<unknown>;
}

/** Where the CLIENT routes and withheld CIDRs go: the agent feeds them into its node planner. */
export type RoutingSink = (routing: Pick<GatewayHostState, 'routeViaMesh' | 'withhold'>) => void | Promise<void>;

/**
 * Applies a {@link GatewayHostState}: forwarding on when active (never switched off here — the
 * mesh node itself needs `ip_forward`, see `@wirekube/host` `NODE_SYSCTLS`), exactly the desired
 * tagged SNAT rules (so a demoted node's rules disappear on the next apply), and the routing
 * decision handed to the agent's planner.
 */
export class GatewayHostApplier {
  private readonly log: Logger;

  constructor(
    private readonly ports: { snat: SnatPort; sysctl: SysctlSetter; routing?: RoutingSink },
    logger: Logger = nullLogger,
  ) {
    this.log = logger.child({ component: 'gateway-host' });
  }

  async apply(state: GatewayHostState): Promise<void> {
    if (state.forwarding) await this.ports.sysctl.set({ 'net.ipv4.ip_forward': '1' });
    await this.ports.snat.set(state.snat);
    await this.ports.routing?.({ routeViaMesh: state.routeViaMesh, withhold: state.withhold });
    this.log.debug('gateway host state applied', { forwarding: state.forwarding, snatRules: state.snat.length, clientRoutes: state.routeViaMesh.length });
  }
}
