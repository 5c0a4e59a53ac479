import { conditionsSchema, observedGenerationSchema, type CustomResource } from './common';
import { CIDR_PATTERN, HOST_OPTIONAL_PORT_PATTERN, IP_PATTERN, OBJECT_NAME_PATTERN } from './patterns';
import { bool, int, list, obj, opt, str, type Infer } from './schema-builder';

const nodeName = str({ pattern: OBJECT_NAME_PATTERN, maxLength: 253 });

/** WireKubeGateway.spec: a virtual gateway from a non-mesh network into the mesh. */
export const gatewaySpecSchema = obj({
  peerRefs: list(nodeName, { minItems: 1, maxItems: 16, listType: 'atomic', description: 'Candidate gateway nodes, in preference order.' }),
  clientRefs: opt(list(nodeName, { maxItems: 5000, listType: 'set', description: 'Nodes allowed to use the routes; empty = all.' })),
  routes: list(
    obj({
      cidr: str({ pattern: CIDR_PATTERN, maxLength: 49 }),
      description: opt(str({ maxLength: 256 })),
    }),
    { minItems: 1, maxItems: 64, listType: 'map', mapKeys: ['cidr'] },
  ),
  snat: opt(
    obj(
      {
        enabled: opt(bool({ default: true, description: 'MASQUERADE route traffic on the active gateway.' })),
        sourceIP: opt(str({ pattern: IP_PATTERN, description: 'SNAT to this address instead of MASQUERADE.' })),
      },
      { default: {} },
    ),
  ),
  healthCheck: opt(
    obj({
      target: str({ pattern: HOST_OPTIONAL_PORT_PATTERN, maxLength: 261, description: 'Probed through the tunnel: host or host:port.' }),
      intervalSeconds: opt(int({ minimum: 1, maximum: 300, default: 5 })),
      timeoutSeconds: opt(int({ minimum: 1, maximum: 60, default: 2 })),
      failureThreshold: opt(int({ minimum: 1, maximum: 10, default: 3 })),
    }),
  ),
});

/** WireKubeGateway.status. */
export const gatewayStatusSchema = obj({
  activePeer: opt(str({ maxLength: 253, description: 'Node currently carrying the routes; empty when none is healthy.' })),
  ready: opt(bool()),
  routesInjected: opt(int({ minimum: 0, description: 'Route CIDRs present in the active peer’s AllowedIPs.' })),
  peerHealth: opt(
    list(
      obj({
        peer: nodeName,
        healthy: bool(),
        consecutiveFailures: opt(int({ minimum: 0 })),
        lastProbe: opt(str({ format: 'date-time' })),
        reason: opt(str({ maxLength: 256 })),
      }),
      { listType: 'map', mapKeys: ['peer'], maxItems: 16 },
    ),
  ),
  lastHealthCheck: opt(str({ format: 'date-time' })),
  observedGeneration: opt(observedGenerationSchema),
  conditions: opt(conditionsSchema),
});

export type GatewaySpec = Infer<typeof gatewaySpecSchema>;
export type GatewayStatus = Infer<typeof gatewayStatusSchema>;
/** The WireKubeGateway custom resource. */
export type WireKubeGateway = CustomResource<'WireKubeGateway', GatewaySpec, GatewayStatus>;
