export {
  MESH_TABLE, MESH_FWMARK, RULE_PRIO_FWMARK, RULE_PRIO_API_SERVER, RULE_PRIO_MESH, MAIN_TABLE, WIREKUBE_PROTO, SNAT_CHAIN, IPTABLES_TAG,
} from './constants';
export {
  type RouteSpec, type RouteEntry, type RuleSpec, type RuleEntry, type LinkSpec, type LinkState, type SnatRule,
  routeKey, effectiveMetric, ruleKey, ruleFamily, renderRoute, renderRule, renderLink, meshRules,
} from './model';
export type { RoutePort, RulePort, LinkPort, SysctlPort, IptablesPort } from './ports';
export { type ApplyReport, RouteApplier } from './route-applier';
export { RuleApplier } from './rule-applier';
export { LinkApplier, LinkMissingError } from './link-applier';
export { NODE_SYSCTLS, InvalidSysctlError, procSysctl, SysctlApplier } from './sysctl';
export { IptablesError, execIptables, snatRuleArgs, snatTag, SnatApplier, type TaggedRule, parseTaggedRules } from './snat-applier';
export { NetlinkError, RtNetlinkHost } from './rtnetlink-host';
export { type HostPlan, type HostPorts, type HostReport, HostNetworking, snapshotHost, validateHostPlan } from './host-networking';
