// CRD types and schemas (single source of truth for deploy/crds).
export * from './crd/schema-builder';
export * from './crd/patterns';
export { WIREKUBE_GROUP, WIREKUBE_VERSION, WIREKUBE_API_VERSION, conditionSchema, conditionsSchema, type Condition, type CustomResource } from './crd/common';
export { MESH_DEFAULTS, meshSpecSchema, meshStatusSchema, type MeshSpec, type MeshStatus, type WireKubeMesh } from './crd/mesh';
export { MAX_PATH_ENTRIES, peerSpecSchema, peerStatusSchema, peerPathSchema, type PeerSpec, type PeerStatus, type PeerPath, type WireKubePeer } from './crd/peer';
export { gatewaySpecSchema, gatewayStatusSchema, type GatewaySpec, type GatewayStatus, type WireKubeGateway } from './crd/gateway';
export { wireKubeMeshCrd, wireKubePeerCrd, wireKubeGatewayCrd, wireKubeCrds, type CustomResourceDefinition, type PrinterColumn } from './crd/definitions';
// Validation and translation (pure).
export { type Problem, Reasons, summarizeProblems } from './validate/problems';
export { validateMeshSpec, validatePeerSpec, validateGatewaySpec, type GatewayContext } from './validate/validate';
export { translateMesh, translatePeer, translateGateway, BIRTHDAY_ATTACK_ANNOTATION, type Translated } from './translate/translate';
// Clients, informers, queue, reconcile loop, status, leader election.
export { KubeApiError, toKubeError, isNotFound, isConflict } from './client/kube-error';
export {
  clusterCustomResourceApi,
  wireKubeApis,
  nodeApi,
  leaseApi,
  type ResourceApi,
  type KubeObject,
  type WireMeta,
  type ListResult,
  type ListOptions,
  type KubeNode,
  type KubeLease,
} from './client/resource-api';
export { Informer, objectKey, type InformerHandlers, type InformerOptions } from './informer/informer';
export { WorkQueue, DEFAULT_QUEUE_BACKOFF, type KeyHandler, type WorkQueueOptions } from './queue/work-queue';
export { Controller, type ControllerOptions } from './reconcile/controller';
export { setCondition, findCondition, validityCondition, conditionTime, type ConditionInput } from './status/conditions';
export { mergePatchDiff } from './status/merge-diff';
export { StatusWriter, type StatusWriterOptions } from './status/status-writer';
export { LeaderElector, type LeaderElectorOptions } from './leader/leader-election';
export { PeerStatusComposer, PEER_STATUS_DETAIL_FIELDS, DEFAULT_PATH_DETAIL_INTERVAL_MS } from './status/peer-status';
