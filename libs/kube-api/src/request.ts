/**
 * Parsing of an API request: which resource, namespace, name and subresource the path names, the
 * query parameters that matter, and the body in whichever media type it came.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from './api-error';
import { decodeProtobufBody } from './protobuf-body';

/** A resource path, resolved against the served group/versions by the caller. */
export interface ResourcePath {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Legacy `/watch/` prefix. */
  watchPrefix: boolean;
}

/** Splits `/api/v1/...` or `/apis/<g>/<v>/...` into its parts; undefined for other paths. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  const watchPrefix = rest[0] === 'watch';
  if (watchPrefix) rest = rest.slice(1);
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length) return undefined;
    return { group, version, plural, namespace, name, subresource, watchPrefix };
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length || !plural) return undefined;
  return { group, version, plural, name, subresource, watchPrefix };
}

const MAX_BODY_BYTES = 8 << 20;

/** Reads and decodes the request body (JSON, or YAML for server-side apply); undefined if empty. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  if (type === 'application/vnd.kubernetes.protobuf' && raw.length) return decodeProtobufBody(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return type === 'application/apply-patch+yaml' || type === 'application/yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body could not be decoded: ${(err as Error).message}`);
  }
}

/** True when the client asked for a meta.k8s.io Table (kubectl get). */
export function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

/** Integer query parameter, or undefined; a malformed one is a 400. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`invalid value for ${name}: "${v}"`);
  return Number(v);
}
