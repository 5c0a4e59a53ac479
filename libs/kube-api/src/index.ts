// The Kubernetes API server TEST DOUBLE (see server.ts): in-memory, loopback-only, no auth.
export { KubeApiServer, DEFAULT_NAMESPACES, type KubeApiServerOptions, type RequestCounts } from './server';
export { ObjectStore, type Obj, type Meta, type StoreEvent } from './store';
export { builtinTypes, typesFromCrd, apiVersionOf, typeKey, type ResourceType, type OpenApiSchema, type PrinterColumn } from './resource-types';
export { admitObject, type FieldCause, type Admission } from './schema-admission';
export { applyMergePatch, applyJsonPatch, applyStrategicMergePatch, PatchError } from './patch';
export { parseLabelSelector, parseFieldSelector, SelectorError, type Matcher } from './selectors';
export { compileJsonPath, JsonPathError } from './jsonpath';
export { renderTable, tableColumns, humanDuration } from './table';
