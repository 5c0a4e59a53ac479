/**
 * Decoding of the few protobuf request bodies kubectl sends on its own: imperative
 * `kubectl create configmap|secret|namespace` use the typed client, which speaks
 * `application/vnd.kubernetes.protobuf`. The body is the Kubernetes envelope — magic `k8s\0`,
 * then a runtime.Unknown {typeMeta, raw} — around the generated.proto message of the kind.
 * Only the fields those kinds carry are decoded; any other kind is refused with 415.
 */
import { ApiError, badRequest } from './api-error';

type Fields = Map<number, Array<Buffer | bigint>>;

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Parses one protobuf message into its fields (varints as bigint, length-delimited as Buffer). */
function parse(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length || shift > 63n) throw badRequest('malformed protobuf body: truncated varint');
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let value: Buffer | bigint;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw badRequest('malformed protobuf body: length beyond the end');
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      continue;
    } else throw badRequest(`malformed protobuf body: unsupported wire type ${wire}`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

const bytes = (f: Fields, n: number): Buffer | undefined => f.get(n)?.find((v): v is Buffer => Buffer.isBuffer(v));
const str = (f: Fields, n: number): string | undefined => {
  const b = bytes(f, n);
  return b && b.length ? b.toString('utf8') : undefined;
};
const strs = (f: Fields, n: number): string[] => (f.get(n) ?? []).filter(Buffer.isBuffer).map((b) => b.toString('utf8'));
const bool = (f: Fields, n: number): boolean | undefined => {
  const v = f.get(n)?.[0];
  return typeof v === 'bigint' ? v !== 0n : undefined;
};

function map(f: Fields, n: number, asBase64 = false): Record<string, string> | undefined {
  const entries = (f.get(n) ?? []).filter(Buffer.isBuffer).map((e) => {
    const kv = parse(e);
    const v = bytes(kv, 2) ?? Buffer.alloc(0);
    return [str(kv, 1) ?? '', asBase64 ? v.toString('base64') : v.toString('utf8')] as const;
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function objectMeta(buf: Buffer | undefined): Record<string, unknown> {
  const f = parse(buf ?? Buffer.alloc(0));
  const owners = (f.get(13) ?? []).filter(Buffer.isBuffer).map((o) => {
    const r = parse(o);
    return clean({ apiVersion: str(r, 5), kind: str(r, 1), name: str(r, 3), uid: str(r, 4), controller: bool(r, 6), blockOwnerDeletion: bool(r, 7) });
  });
  return clean({
    name: str(f, 1),
    generateName: str(f, 2),
    namespace: str(f, 3),
    resourceVersion: str(f, 6),
    labels: map(f, 11),
    annotations: map(f, 12),
    ownerReferences: owners.length ? owners : undefined,
    finalizers: strs(f, 14).length ? strs(f, 14) : undefined,
  });
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const DECODERS: Record<string, (f: Fields) => Record<string, unknown>> = {
  'v1/ConfigMap': (f) => clean({ metadata: objectMeta(bytes(f, 1)), data: map(f, 2), binaryData: map(f, 3, true), immutable: bool(f, 4) }),
  'v1/Secret': (f) => clean({ metadata: objectMeta(bytes(f, 1)), data: map(f, 2, true), type: str(f, 3), stringData: map(f, 4), immutable: bool(f, 5) }),
  'v1/Namespace': (f) => {
    const spec = parse(bytes(f, 2) ?? Buffer.alloc(0));
    return clean({ metadata: objectMeta(bytes(f, 1)), spec: strs(spec, 1).length ? { finalizers: strs(spec, 1) } : undefined });
  },
};

/** Decodes a protobuf-encoded ConfigMap, Secret or Namespace into its JSON form. */
export function decodeProtobufBody(buf: Buffer): Record<string, unknown> {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body without the k8s envelope');
  const unknown = parse(buf.subarray(4));
  const typeMeta = parse(bytes(unknown, 1) ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta, 1) ?? '';
  const kind = str(typeMeta, 2) ?? '';
  const decode = DECODERS[`${apiVersion}/${kind}`];
  if (!decode) throw new ApiError(415, 'UnsupportedMediaType', `protobuf bodies are only understood for ConfigMap, Secret and Namespace (got ${apiVersion} ${kind}); send JSON`);
  return { apiVersion, kind, ...decode(parse(bytes(unknown, 2) ?? Buffer.alloc(0))) };
}
