/**
 * The mesh as the pure core sees it. These types are what `libs/k8s` translates custom resources
 * into; nothing here knows about Kubernetes objects, JSON or the API server. Durations carry their
 * unit in the field name; every list is sorted and free of duplicates when produced by translation.
 */

/** A `host:port` pair; `host` is an IP literal (IPv6 without brackets) or a DNS name. */
export interface HostPort {
  host: string;
  port: number;
}

/** When traffic goes through the relay: `auto` = relay first, upgrade to direct when proven. */
export type RelayMode = 'auto' | 'always' | 'never';

/** Transport between an agent and the relay. */
export type RelayTransport = 'tcp' | 'udp';

/** Familiar NAT names, derived from mapping and filtering behaviour (RFC 4787 / RFC 5780). */
export type NatType =
  | 'open'
  | 'full-cone'
  | 'restricted-cone'
  | 'port-restricted-cone'
  | 'symmetric'
  | 'udp-blocked'
  | 'unknown';

/** RFC 4787 mapping or filtering behaviour. */
export type NatBehaviourKind = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'unknown';

/** How a NAT picks external ports for new mappings. */
export type PortPattern = 'preserving' | 'sequential' | 'random' | 'unknown';

/** Measured NAT behaviour of one node, as published in its WireKubePeer status. */
export interface NatBehaviour {
  mapping: NatBehaviourKind;
  filtering: NatBehaviourKind;
  portPattern: PortPattern;
  /** Port increment between consecutive mappings when `portPattern` is `sequential`, else 0. */
  portDelta: number;
}

/** Mesh-wide settings from the WireKubeMesh object, with every default applied. */
export interface MeshConfig {
  /** WireGuard UDP listen port. */
  listenPort: number;
  /** Name of the WireGuard interface on every node. */
  interfaceName: string;
  /** Interface MTU in bytes, or `auto` to derive it from the uplink. */
  mtu: number | 'auto';
  /** At least two STUN servers, in preference order. */
  stunServers: HostPort[];
  /** CIDR from which each node derives its deterministic /32 (or /128) mesh address. */
  meshCidr: string;
  /** Add each node's InternalIP to its own AllowedIPs. */
  includeNodeInternalIp: boolean;
  /** CIDRs never routed through the mesh, whatever AllowedIPs say. */
  excludeCidrs: string[];
  /** Whether symmetric NAT pairs may try the birthday-paradox port spray. */
  birthdayAttack: boolean;
  relay: {
    mode: RelayMode;
    /** Relay endpoints (each replica or the Service), empty when relaying is disabled. */
    endpoints: HostPort[];
    transport: RelayTransport;
  };
}

/** One node's mesh membership, from its WireKubePeer object. */
export interface MeshPeer {
  /** Node name (the WireKubePeer is named after its node). */
  name: string;
  /** WireGuard public key, base64 of 32 bytes. */
  publicKey: string;
  /** Advertised direct endpoint, if the node has one worth trying. */
  endpoint?: HostPort;
  /** CIDRs routed to this peer through the tunnel (pod CIDRs, gateway routes), canonical and sorted. */
  allowedIps: string[];
  /** WireGuard persistent keepalive in seconds; 0 disables it. */
  persistentKeepaliveSec: number;
  /** NAT type last published by the node's agent. */
  natType: NatType;
  /** NAT behaviour detail when the agent has measured it. */
  nat?: NatBehaviour;
  /** Per-peer override of the mesh's birthday-attack setting (annotation), if any. */
  birthdayAttack?: boolean;
  /** True while the object is being deleted (deletionTimestamp set): stop routing to it. */
  terminating: boolean;
}

/** A route a gateway exposes from a non-mesh network into the mesh. */
export interface GatewayRoute {
  /** Canonical CIDR. */
  cidr: string;
  description: string;
}

/** Data-plane health probing of a gateway's target network. */
export interface GatewayHealthCheck {
  /** Address probed through the tunnel (`host` or `host:port`). */
  target: string;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failed probes after which a candidate is unhealthy. */
  failureThreshold: number;
}

/** A virtual gateway (WireKubeGateway) as the controller and the agents need it. */
export interface Gateway {
  name: string;
  /** Candidate gateway nodes, in preference order. */
  candidates: string[];
  /** Nodes allowed to use the gateway's routes; empty = every mesh node. */
  clients: string[];
  routes: GatewayRoute[];
  snat: { enabled: boolean; sourceIp?: string };
  /** Absent = no probing; candidates are then judged by their agents' reports alone. */
  healthCheck?: GatewayHealthCheck;
}
