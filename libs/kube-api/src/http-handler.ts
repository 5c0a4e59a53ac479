/**
 * The REST surface: routes discovery, OpenAPI and resource requests to the store, the write
 * service and the watch hub, and turns every failure into a Status response. Nothing a client
 * sends can throw out of here: unexpected errors become a 500 Status and a log line.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage, type Clock, type Logger } from '@wirekube/util';
import { ApiError, badRequest, methodNotAllowed, notFound } from './api-error';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery';
import type { FieldValidation, ObjectService } from './object-service';
import { openApiGroupVersion, openApiRoot } from './openapi';
import { intParam, parseResourcePath, readBody, wantsTable, type ResourcePath } from './request';
import { apiVersionOf, type ResourceType } from './resource-types';
import { parseFieldSelector, parseLabelSelector, SelectorError, type Matcher } from './selectors';
import type { Obj, ObjectStore } from './store';
import { renderTable } from './table';
import type { WatchHub } from './watch-hub';

/** Dependencies of the handler. */
export interface HandlerDeps {
  store: ObjectStore;
  service: ObjectService;
  hub: WatchHub;
  clock: Clock;
  logger: Logger;
  /** host:port clients should use, for `/api`. */
  address: () => string;
}

/** Creates the request listener for `http.createServer`. */
export function createHandler(d: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(d, req, res).catch((err: unknown) => {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `internal error: ${errorMessage(err)}`);
      if (!(err instanceof ApiError)) d.logger.error('request failed', { method: req.method, url: req.url, error: errorMessage(err) });
      if (res.headersSent) res.end();
      else send(res, e.code, e.toStatus());
    });
  };
}

function send(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

async function handle(d: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const types = d.store.allTypes();
  d.logger.debug('request', { method: req.method, path, query: url.search });
  if (req.method === 'GET') {
    const doc = discoveryDoc(d, types, path);
    if (doc !== undefined) return typeof doc === 'string' ? void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(doc) : send(res, 200, doc);
  }
  const rp = parseResourcePath(path);
  if (!rp) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const t = d.store.findType(rp.group, rp.version, rp.plural);
  if (!t) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${rp.plural}${rp.group ? `.${rp.group}` : ''})`);
  if (rp.subresource && !(rp.subresource === 'status' && t.statusSubresource)) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (subresource ${rp.subresource})`);
  if (t.namespaced && rp.namespace === undefined && rp.name !== undefined) throw new ApiError(404, 'NotFound', `${t.plural} must be addressed within a namespace`);
  const ns = t.namespaced ? rp.namespace : undefined;
  await resource(d, req, res, url.searchParams, rp, t, ns);
}

function discoveryDoc(d: HandlerDeps, types: ResourceType[], path: string): unknown {
  if (path === '/healthz' || path === '/readyz' || path === '/livez') return 'ok';
  if (path === '/version') return versionInfo();
  if (path === '/api') return coreVersions(d.address());
  if (path === '/apis') return groupList(types);
  if (path === '/openapi/v3') return openApiRoot(types);
  if (path.startsWith('/openapi/v3/')) return openApiGroupVersion(types, path.slice('/openapi/v3/'.length));
  let m = /^\/api\/([^/]+)$/.exec(path);
  if (m) return resourceList(types, '', m[1]);
  m = /^\/apis\/([^/]+)$/.exec(path);
  if (m) return group(types, m[1]);
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) return resourceList(types, m[1], m[2]);
  return undefined;
}

async function resource(d: HandlerDeps, req: IncomingMessage, res: ServerResponse, q: URLSearchParams, rp: ResourcePath, t: ResourceType, ns: string | undefined): Promise<void> {
  const sub = rp.subresource === 'status' ? ('status' as const) : undefined;
  const fieldValidation = (q.get('fieldValidation') ?? undefined) as FieldValidation | undefined;
  if (fieldValidation && !['Strict', 'Warn', 'Ignore'].includes(fieldValidation)) throw badRequest(`invalid fieldValidation "${fieldValidation}"`);
  const dryRun = q.get('dryRun') === 'All';
  const table = wantsTable(req);
  switch (req.method) {
    case 'GET': {
      if (rp.name !== undefined && !(rp.watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1')) {
        const obj = d.store.get(t, ns, rp.name);
        if (!obj) throw notFound({ group: t.group, kind: t.kind, plural: t.plural, name: rp.name });
        return send(res, 200, table ? renderTable(t, [obj], d.clock.now(), { resourceVersion: obj.metadata.resourceVersion }) : obj);
      }
      const match = selectorOf(t, q, rp.name);
      if (rp.watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1') {
        const timeout = intParam(q, 'timeoutSeconds');
        return d.hub.open(
          {
            resource: t,
            namespace: ns,
            match,
            resourceVersion: q.get('resourceVersion') ?? undefined,
            bookmarks: q.get('allowWatchBookmarks') === 'true',
            timeoutMs: timeout === undefined ? undefined : timeout * 1000,
            table,
            sendInitialEvents: q.get('sendInitialEvents') === 'true',
          },
          res,
        );
      }
      return send(res, 200, list(d, t, ns, match, q, table));
    }
    case 'POST': {
      if (rp.name !== undefined) throw methodNotAllowed('POST on a named object');
      const r = d.service.create(t, ns, await readBody(req), { fieldValidation, dryRun });
      return send(res, 201, r.object, r.warnings);
    }
    case 'PUT': {
      if (rp.name === undefined) throw methodNotAllowed('PUT on a collection');
      const r = d.service.update(t, ns, rp.name, await readBody(req), { subresource: sub, fieldValidation, dryRun });
      return send(res, 200, r.object, r.warnings);
    }
    case 'PATCH': {
      if (rp.name === undefined) throw methodNotAllowed('PATCH on a collection');
      const body = await readBody(req);
      const r = d.service.patch(t, ns, rp.name, req.headers['content-type'] ?? '', body, { subresource: sub, fieldValidation, dryRun, force: q.get('force') === 'true' });
      return send(res, 200, r.object, r.warnings);
    }
    case 'DELETE': {
      const opts = (await readBody(req)) as { propagationPolicy?: string; preconditions?: { resourceVersion?: string } } | undefined;
      const propagationPolicy = q.get('propagationPolicy') ?? opts?.propagationPolicy;
      if (rp.name === undefined) {
        // deletecollection, honouring selectors.
        const match = selectorOf(t, q);
        const gone = d.store.list(t, ns).filter(match).map((o) => d.service.delete(t, o.metadata.namespace, o.metadata.name, { propagationPolicy, dryRun }));
        return send(res, 200, listBody(t, gone, d.store.resourceVersion));
      }
      return send(res, 200, d.service.delete(t, ns, rp.name, { propagationPolicy, preconditionRv: opts?.preconditions?.resourceVersion, dryRun }));
    }
    default:
      throw methodNotAllowed(req.method ?? '');
  }
}

function selectorOf(t: ResourceType, q: URLSearchParams, name?: string): Matcher {
  try {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fieldText = [q.get('fieldSelector') ?? '', name ? `metadata.name=${name}` : ''].filter(Boolean).join(',');
    // Custom resources support only metadata fields (selectableFields are not modelled).
    const fields = parseFieldSelector(fieldText, (f) => f === 'metadata.name' || f === 'metadata.namespace' || !t.custom);
    return (o) => labels(o) && fields(o);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

function listBody(t: ResourceType, items: Obj[], rv: number, cont?: string, remaining?: number): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (cont) Object.assign(metadata, { continue: cont, remainingItemCount: remaining });
  return { kind: t.listKind, apiVersion: apiVersionOf(t), metadata, items };
}

function list(d: HandlerDeps, t: ResourceType, ns: string | undefined, match: Matcher, q: URLSearchParams, table: boolean): Record<string, unknown> {
  const limit = intParam(q, 'limit');
  const token = q.get('continue');
  let items = d.store.list(t, ns).filter(match);
  if (token) {
    let after: string;
    try {
      after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).after;
    } catch {
      throw badRequest('invalid continue token');
    }
    items = items.filter((o) => keyOf(o) > after);
  }
  let cont: string | undefined;
  let remaining: number | undefined;
  if (limit && items.length > limit) {
    remaining = items.length - limit;
    items = items.slice(0, limit);
    cont = Buffer.from(JSON.stringify({ after: keyOf(items[items.length - 1]) })).toString('base64url');
  }
  const rv = d.store.resourceVersion;
  if (table) return renderTable(t, items, d.clock.now(), cont ? { resourceVersion: String(rv), continue: cont, remainingItemCount: remaining } : { resourceVersion: String(rv) });
  return listBody(t, items, rv, cont, remaining);
}

const keyOf = (o: Obj) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
