// CRD types and schemas (single source of truth for deploy/crds).
export * from './crd/schema-builder';
export * from './crd/patterns';
export { WIREKUBE_GROUP, WIREKUBE_VERSION, WIREKUBE_API_VERSION, conditionSchema, conditionsSchema, type Condition, type CustomResource } from './crd/common';
export { MESH_DEFAULTS, meshSpecSchema, meshStatusSchema, type MeshSpec, type MeshStatus, type WireKubeMesh } from './crd/mesh';
export { MAX_PATH_ENTRIES, peerSpecSchema, peerStatusSchema, peerPathSchema, type PeerSpec, type PeerStatus, type PeerPath, type WireKubePeer } from './crd/peer';
export { gatewaySpecSchema, gatewayStatusSchema, type GatewaySpec, type GatewayStatus, type WireKubeGateway } from './crd/gateway';
export { wireKubeMeshCrd, wireKubePeerCrd, wireKubeGatewayCrd, wireKubeCrds, type CustomResourceDefinition, type PrinterColumn } from './crd/definitions';
