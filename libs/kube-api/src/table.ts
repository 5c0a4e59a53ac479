/**
 * `meta.k8s.io/v1` Table responses (what `kubectl get` asks for): one column per printer column,
 * after Name, with `date` columns rendered as ages the way the API server renders them.
 */
import { compileJsonPath } from './jsonpath';
import type { PrinterColumn, ResourceType } from './resource-types';

type Obj = Record<string, unknown>;

/** A Table column definition. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** Columns for a type: Name, its printer columns (Age last, as CRDs declare it), or Name + Age. */
export function tableColumns(t: ResourceType): TableColumn[] {
  return allColumns(t).map((c) => ({ name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 }));
}

/** A whole Table for `items`, with `includeObject=Metadata` semantics (what kubectl asks for). */
export function renderTable(t: ResourceType, items: Obj[], nowMs: number, listMeta: Obj = {}): Obj {
  const evaluators = columnEvaluators(t);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: tableColumns(t),
    rows: items.map((o) => ({
      cells: evaluators.map((ev) => ev(o, nowMs)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

function allColumns(t: ResourceType): PrinterColumn[] {
  const cols: PrinterColumn[] = [{ name: 'Name', type: 'string', jsonPath: '.metadata.name', format: 'name' }, ...t.printerColumns];
  if (!t.custom && !cols.some((c) => c.type === 'date')) cols.push({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' });
  return cols;
}

function columnEvaluators(t: ResourceType): Array<(o: Obj, now: number) => unknown> {
  return allColumns(t).map((c) => {
    const find = compileJsonPath(c.jsonPath);
    return (o, now) => cell(c.type, find(o), now);
  });
}

function cell(type: string, found: unknown[], nowMs: number): unknown {
  if (found.length === 0) return null;
  const v = found.length === 1 ? found[0] : found;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? humanDuration(nowMs - Date.parse(v)) : '<unknown>';
    default:
      if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',');
      return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
}

/** Kubernetes' short human durations: `45s`, `5m3s`, `3h`, `2d4h`, `400d`. */
export function humanDuration(ms: number): string {
  if (ms < -1000) return '<invalid>';
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(s / 3600);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) return `${Math.floor(h / 24 / 365)}y${Math.floor(h / 24) % 365}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}
