import { conditionsSchema, observedGenerationSchema, type CustomResource } from './common';
import { CIDR_PATTERN, HOST_PORT_PATTERN, INTERFACE_NAME_PATTERN } from './patterns';
import { bool, int, intOrAuto, list, obj, oneOf, opt, str, type Infer } from './schema-builder';

/** Defaults of WireKubeMesh, shared by the schema (applied by the API server) and translation. */
export const MESH_DEFAULTS = {
  listenPort: 51822,
  interfaceName: 'wire_kube',
  mtu: 1420,
  meshCIDR: '10.250.0.0/16',
  persistentKeepalive: 25,
} as const;

const hostPort = str({ pattern: HOST_PORT_PATTERN, maxLength: 261 });
const cidr = str({ pattern: CIDR_PATTERN, maxLength: 49 });

/** WireKubeMesh.spec: the mesh-wide settings every agent follows. */
export const meshSpecSchema = obj({
  listenPort: opt(int({ minimum: 1, maximum: 65535, default: MESH_DEFAULTS.listenPort, description: 'WireGuard UDP port on every node.' })),
  interfaceName: opt(str({ pattern: INTERFACE_NAME_PATTERN, default: MESH_DEFAULTS.interfaceName, description: 'WireGuard interface name.' })),
  mtu: opt(intOrAuto({ minimum: 1280, maximum: 9000, default: MESH_DEFAULTS.mtu, description: 'Interface MTU in bytes (1280–9000) or "auto".' })),
  stunServers: list(hostPort, { minItems: 2, maxItems: 8, description: 'STUN servers (host:port), at least two for NAT mapping comparison.' }),
  meshCIDR: opt(str({ pattern: CIDR_PATTERN, default: MESH_DEFAULTS.meshCIDR, description: 'Each node gets a deterministic /32 (or /128) from this block.' })),
  autoAllowedIPs: opt(
    obj({ includeNodeInternalIP: opt(bool({ default: false, description: "Add each node's InternalIP to its AllowedIPs." })) }, { default: {} }),
  ),
  routing: opt(obj({ excludeCIDRs: opt(list(cidr, { maxItems: 64, listType: 'set', description: 'Never routed through the mesh.' })) })),
  natTraversal: opt(
    obj(
      { birthdayAttack: opt(oneOf(['enabled', 'disabled'] as const, { default: 'disabled', description: 'Port spray for symmetric NAT pairs.' })) },
      { default: {} },
    ),
  ),
  relay: opt(
    obj(
      {
        mode: opt(oneOf(['auto', 'always', 'never'] as const, { default: 'auto', description: 'auto = relay first, direct when proven.' })),
        endpoints: opt(list(hostPort, { maxItems: 16, description: 'Relay data-channel endpoints (host:port).' })),
        transport: opt(oneOf(['tcp', 'udp'] as const, { default: 'tcp' })),
      },
      { default: {} },
    ),
  ),
});

/** WireKubeMesh.status. */
export const meshStatusSchema = obj({
  readyPeers: opt(int({ minimum: 0, description: 'Peers reporting Connected.' })),
  totalPeers: opt(int({ minimum: 0, description: 'WireKubePeer objects in the mesh.' })),
  observedGeneration: opt(observedGenerationSchema),
  conditions: opt(conditionsSchema),
});

export type MeshSpec = Infer<typeof meshSpecSchema>;
export type MeshStatus = Infer<typeof meshStatusSchema>;
/** The WireKubeMesh custom resource (normally one object named `default`). */
export type WireKubeMesh = CustomResource<'WireKubeMesh', MeshSpec, MeshStatus>;
