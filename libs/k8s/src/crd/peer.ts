import { conditionsSchema, observedGenerationSchema, type CustomResource } from './common';
import { MESH_DEFAULTS } from './mesh';
import { CIDR_PATTERN, HOST_PORT_PATTERN, OBJECT_NAME_PATTERN, WG_KEY_PATTERN } from './patterns';
import { bool, int, list, obj, oneOf, opt, str, type Infer } from './schema-builder';

/** Bound on per-remote-peer path entries in one WireKubePeer status (DESIGN §11: 1000+ nodes). */
export const MAX_PATH_ENTRIES = 5000;

const natKind = oneOf(['endpoint-independent', 'address-dependent', 'address-and-port-dependent', 'unknown'] as const);

/** WireKubePeer.spec: what a node offers to the mesh. Written by its agent; users add AllowedIPs. */
export const peerSpecSchema = obj({
  publicKey: str({ pattern: WG_KEY_PATTERN, description: 'WireGuard public key (base64, 32 bytes).' }),
  endpoint: opt(str({ pattern: HOST_PORT_PATTERN, maxLength: 261, description: 'Direct endpoint host:port, if any.' })),
  allowedIPs: opt(
    list(str({ pattern: CIDR_PATTERN, maxLength: 49 }), {
      maxItems: 256,
      listType: 'set',
      default: [],
      description: 'CIDRs routed to this node through the tunnel (pod CIDRs, gateway routes).',
    }),
  ),
  persistentKeepalive: opt(int({ minimum: 0, maximum: 65535, default: MESH_DEFAULTS.persistentKeepalive, description: 'Seconds; 0 disables.' })),
});

/** The path towards one remote peer, as this node sees it. */
export const peerPathSchema = obj({
  peer: str({ pattern: OBJECT_NAME_PATTERN, maxLength: 253, description: 'Remote WireKubePeer name.' }),
  path: oneOf(['direct', 'relay', 'none'] as const),
  reason: str({ maxLength: 256, description: 'Why this path, e.g. "port-restricted↔symmetric: direct impossible without port prediction".' }),
  endpoint: opt(str({ maxLength: 261, description: 'WireGuard endpoint in use.' })),
  since: opt(str({ format: 'date-time', description: 'When the path last changed.' })),
  lastHandshake: opt(str({ format: 'date-time' })),
});

/**
 * WireKubePeer.status. The counters and the path summary are cheap and change rarely; `paths`
 * (one entry per remote peer) is detail written at a bounded rate by the agent — issue 12 may move
 * it out of the objects every agent watches, so consumers must treat it as optional.
 */
export const peerStatusSchema = obj({
  connected: opt(bool({ description: 'The node has a working path to every peer it should reach.' })),
  natType: opt(oneOf(['open', 'full-cone', 'restricted-cone', 'port-restricted-cone', 'symmetric', 'udp-blocked', 'unknown'] as const)),
  nat: opt(
    obj({
      mapping: natKind,
      filtering: natKind,
      portPattern: oneOf(['preserving', 'sequential', 'random', 'unknown'] as const),
      portDelta: opt(int({ minimum: -65535, maximum: 65535 })),
    }),
  ),
  endpointDiscoveryMethod: opt(oneOf(['static', 'stun', 'relay-observed', 'none'] as const)),
  pathSummary: opt(
    obj({
      direct: int({ minimum: 0 }),
      relay: int({ minimum: 0 }),
      none: int({ minimum: 0 }),
    }),
  ),
  paths: opt(list(peerPathSchema, { listType: 'map', mapKeys: ['peer'], maxItems: MAX_PATH_ENTRIES })),
  pathsUpdatedAt: opt(str({ format: 'date-time', description: 'When `paths` was last written (it is rate-limited).' })),
  lastHandshake: opt(str({ format: 'date-time', description: 'Most recent handshake with any peer.' })),
  rxBytes: opt(int({ minimum: 0, format: 'int64' })),
  txBytes: opt(int({ minimum: 0, format: 'int64' })),
  observedGeneration: opt(observedGenerationSchema),
  conditions: opt(conditionsSchema),
});

export type PeerSpec = Infer<typeof peerSpecSchema>;
export type PeerStatus = Infer<typeof peerStatusSchema>;
export type PeerPath = Infer<typeof peerPathSchema>;
/** The WireKubePeer custom resource: one per node, named after it, owned by its Node. */
export type WireKubePeer = CustomResource<'WireKubePeer', PeerSpec, PeerStatus>;
