/**
 * Validation beyond what an OpenAPI schema can say: host bits, overlapping CIDRs, a gateway
 * route that would capture a mesh node's own address, routes shared between gateways, references
 * to unknown nodes. Pure: the caller supplies whatever context (node addresses, other gateways).
 */
import { cidrContains, cidrsOverlap, parseCidr, parseHostPort, parseIp } from '@wirekube/planner';
import type { GatewaySpec } from '../crd/gateway';
import type { MeshSpec } from '../crd/mesh';
import type { PeerSpec } from '../crd/peer';
import { checkCidrList } from './cidr-checks';
import { Reasons, type Problem } from './problems';

/** Problems in a WireKubeMesh spec (empty = valid). */
export function validateMeshSpec(spec: MeshSpec): Problem[] {
  const problems: Problem[] = [];
  checkHostPorts('spec.stunServers', spec.stunServers, problems);
  checkHostPorts('spec.relay.endpoints', spec.relay?.endpoints, problems);
  if (spec.meshCIDR !== undefined) {
    const r = parseCidr(spec.meshCIDR);
    if (!r.ok) problems.push({ field: 'spec.meshCIDR', reason: Reasons.InvalidCIDR, message: r.reason });
    else if ((r.value.family === 4 && r.value.prefix > 30) || (r.value.family === 6 && r.value.prefix > 126)) {
      problems.push({ field: 'spec.meshCIDR', reason: Reasons.InvalidCIDR, message: `${spec.meshCIDR} is too small for a mesh (at most /30 or /126)` });
    }
  }
  checkCidrList('spec.routing.excludeCIDRs', spec.routing?.excludeCIDRs, problems);
  return problems;
}

/** Problems in a WireKubePeer spec (empty = valid). */
export function validatePeerSpec(spec: PeerSpec): Problem[] {
  const problems: Problem[] = [];
  if (spec.endpoint !== undefined) {
    const r = parseHostPort(spec.endpoint);
    if (!r.ok) problems.push({ field: 'spec.endpoint', reason: Reasons.InvalidEndpoint, message: r.reason });
  }
  if (Buffer.from(spec.publicKey ?? '', 'base64').length !== 32) {
    problems.push({ field: 'spec.publicKey', reason: Reasons.InvalidValue, message: 'public key must be base64 of exactly 32 bytes' });
  }
  checkCidrList('spec.allowedIPs', spec.allowedIPs, problems);
  return problems;
}

/** What gateway validation needs to know about the rest of the cluster. */
export interface GatewayContext {
  /** Mesh node names → their addresses (InternalIP, mesh /32, endpoint host). */
  nodeAddresses: ReadonlyMap<string, readonly string[]>;
  /** Other gateways' route CIDRs, by gateway name. */
  otherGatewayRoutes: ReadonlyMap<string, readonly string[]>;
}

/** Problems in a WireKubeGateway spec given the cluster context (empty = valid). */
export function validateGatewaySpec(spec: GatewaySpec, ctx: GatewayContext): Problem[] {
  const problems: Problem[] = [];
  const routes = checkCidrList('spec.routes', (spec.routes ?? []).map((r) => r.cidr), problems).map((r) => ({ ...r, field: `${r.field}.cidr` }));
  for (const r of routes) {
    for (const [node, addrs] of ctx.nodeAddresses) {
      for (const a of addrs) {
        const ip = parseIp(a);
        if (ip.ok && cidrContains(r.cidr, ip.value)) {
          problems.push({ field: r.field, reason: Reasons.RouteCapturesNode, message: `${r.text} contains ${a}, an address of mesh node ${node}; routing it through a gateway would cut that node off` });
        }
      }
    }
    for (const [gw, cidrs] of ctx.otherGatewayRoutes) {
      for (const c of cidrs) {
        const other = parseCidr(c);
        if (other.ok && cidrsOverlap(other.value, r.cidr)) {
          problems.push({ field: r.field, reason: Reasons.RouteOverlapsGateway, message: `${r.text} overlaps ${c} of gateway ${gw}` });
        }
      }
    }
  }
  checkNames('spec.peerRefs', spec.peerRefs, ctx, problems);
  checkNames('spec.clientRefs', spec.clientRefs, ctx, problems);
  return problems;
}

function checkNames(field: string, names: readonly string[] | undefined, ctx: GatewayContext, problems: Problem[]): void {
  const seen = new Set<string>();
  (names ?? []).forEach((n, i) => {
    if (seen.has(n)) problems.push({ field: `${field}[${i}]`, reason: Reasons.DuplicateEntry, message: `${n} is listed twice` });
    else if (!ctx.nodeAddresses.has(n)) problems.push({ field: `${field}[${i}]`, reason: Reasons.UnknownPeer, message: `no mesh node named ${n}` });
    seen.add(n);
  });
}

function checkHostPorts(field: string, list: readonly string[] | undefined, problems: Problem[]): void {
  const seen = new Set<string>();
  (list ?? []).forEach((text, i) => {
    const r = parseHostPort(text);
    if (!r.ok) problems.push({ field: `${field}[${i}]`, reason: Reasons.InvalidEndpoint, message: r.reason });
    else if (seen.has(text)) problems.push({ field: `${field}[${i}]`, reason: Reasons.DuplicateEntry, message: `${text} is listed twice` });
    seen.add(text);
  });
}
