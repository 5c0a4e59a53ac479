import { WIREKUBE_GROUP, WIREKUBE_VERSION } from './common';
import { gatewaySpecSchema, gatewayStatusSchema } from './gateway';
import { meshSpecSchema, meshStatusSchema } from './mesh';
import { peerSpecSchema, peerStatusSchema } from './peer';
import type { JsonSchema, Schema } from './schema-builder';

/** A printer column (`kubectl get` output), as in apiextensions.k8s.io/v1. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** A CustomResourceDefinition as plain data (apiextensions.k8s.io/v1). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Cluster' | 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchema };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }>;
  };
}

interface Definition {
  kind: string;
  plural: string;
  shortName: string;
  description: string;
  spec: Schema<unknown>;
  status: Schema<unknown>;
  columns: PrinterColumn[];
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function crd(d: Definition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${WIREKUBE_GROUP}`, labels: { 'app.kubernetes.io/part-of': 'wirekube' } },
    spec: {
      group: WIREKUBE_GROUP,
      scope: 'Cluster',
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.kind.toLowerCase(),
        shortNames: [d.shortName],
        categories: ['wirekube'],
      },
      versions: [
        {
          name: WIREKUBE_VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: d.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: d.spec.json,
                status: d.status.json,
              },
            },
          },
          subresources: { status: {} },
          additionalPrinterColumns: [...d.columns, age],
        },
      ],
    },
  };
}

/** The WireKubeMesh CRD (`wkmesh`). */
export const wireKubeMeshCrd = crd({
  kind: 'WireKubeMesh',
  plural: 'wirekubemeshes',
  shortName: 'wkmesh',
  description: 'Mesh-wide WireKube settings; normally one object named "default".',
  spec: meshSpecSchema,
  status: meshStatusSchema,
  columns: [
    { name: 'Port', type: 'integer', jsonPath: '.spec.listenPort' },
    { name: 'Interface', type: 'string', jsonPath: '.spec.interfaceName' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyPeers' },
    { name: 'Total', type: 'integer', jsonPath: '.status.totalPeers' },
  ],
});

/** The WireKubePeer CRD (`wkpeer`). */
export const wireKubePeerCrd = crd({
  kind: 'WireKubePeer',
  plural: 'wirekubepeers',
  shortName: 'wkpeer',
  description: 'One mesh node: its WireGuard key, endpoint, AllowedIPs and observed paths. Named after its Node.',
  spec: peerSpecSchema,
  status: peerStatusSchema,
  columns: [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
    { name: 'AllowedIPs', type: 'string', jsonPath: '.spec.allowedIPs' },
    { name: 'Connected', type: 'boolean', jsonPath: '.status.connected' },
    { name: 'NAT', type: 'string', jsonPath: '.status.natType' },
    { name: 'Direct', type: 'integer', jsonPath: '.status.pathSummary.direct', description: 'Peers reached directly.' },
    { name: 'Relayed', type: 'integer', jsonPath: '.status.pathSummary.relay', description: 'Peers reached through the relay.' },
    { name: 'Discovery', type: 'string', jsonPath: '.status.endpointDiscoveryMethod', priority: 1 },
  ],
});

/** The WireKubeGateway CRD (`wkgw`). */
export const wireKubeGatewayCrd = crd({
  kind: 'WireKubeGateway',
  plural: 'wirekubegateways',
  shortName: 'wkgw',
  description: 'A virtual gateway that routes non-mesh CIDRs into the mesh through one healthy node.',
  spec: gatewaySpecSchema,
  status: gatewayStatusSchema,
  columns: [
    { name: 'Active', type: 'string', jsonPath: '.status.activePeer' },
    { name: 'Ready', type: 'boolean', jsonPath: '.status.ready' },
    { name: 'Routes', type: 'integer', jsonPath: '.status.routesInjected' },
  ],
});

/** Every WireKube CRD, in install order. */
export const wireKubeCrds: readonly CustomResourceDefinition[] = [wireKubeMeshCrd, wireKubePeerCrd, wireKubeGatewayCrd];
