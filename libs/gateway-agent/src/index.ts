/**
 * The agent side of WireKubeGateway (DESIGN §8), packaged so `apps/agent` wires it in a few lines:
 *
 * ```ts
 * import { GatewayAgent } from '@wirekube/gateway-agent';
 * import { GatewayControlClient } from '@wirekube/proto';
 * import { createClient } from '@wirekube/runtime';
 * import { SnatApplier, SysctlApplier, execIptables, procSysctl } from '@wirekube/host';
 *
 * const gateway = new GatewayAgent({
 *   nodeName,
 *   client: createClient(GatewayControlClient, config.gatewayControllerAddress, { tracer }),
 *   snat: new SnatApplier(execIptables(), logger),
 *   sysctl: new SysctlApplier(procSysctl(), logger),
 *   // CLIENT routes to add to the planner, and CIDRs to drop from peers' AllowedIPs routes:
 *   routing: ({ routeViaMesh, withhold }) => planner.setGatewayRouting(routeViaMesh, withhold),
 *   logger,
 * });
 * gateway.start();
 * onShutdown(() => gateway.stop());      // keeps SNAT in place across restarts
 * // the agent's `cleanup` command: await gateway.cleanup();
 * ```
 */
export { type GatewayNodeRole, type ProbeSpec, type GatewayTask, type SnatRuleSpec, type GatewayHostState, decodeAssignment, decodeAssignments, desiredGatewayHost, probeTasks } from './assignment';
export { type ProbeResult, type ProbeFn, parseProbeTarget, tcpProbe, icmpProbe, networkProbe } from './probe';
export { type ProbeReport, type HealthProberOptions, HealthProber } from './health-prober';
export { WATCH_BACKOFF, type AssignmentWatcherOptions, AssignmentWatcher } from './assignment-watcher';
export { type SnatPort, type SysctlSetter, type RoutingSink, GatewayHostApplier } from './gateway-host';
export { REPORT_DEADLINE_MS, type GatewayAgentOptions, GatewayAgent } from './gateway-agent';
