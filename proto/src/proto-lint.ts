import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

const ROOT = resolve(__dirname, '../..');

// Field numbers of FileDescriptorProto / DescriptorProto / ServiceDescriptorProto (descriptor.proto),
// which make up the source-location paths protoc records.
const FILE_MESSAGE = 4;
const FILE_ENUM = 5;
const FILE_SERVICE = 6;
const MESSAGE_NESTED = 3;
const MESSAGE_ENUM = 4;
const SERVICE_METHOD = 2;

/**
 * Checks the contracts the way a reviewer would: every .proto compiles, declares package
 * `wirekube.v1`, and every service, rpc, message and enum carries a leading comment (the comment is
 * the contract's documentation, copied into the generated code). Returns one line per problem.
 */
export function lintProtos(protoRoot: string, files: readonly string[]): string[] {
  const tmp = mkdtempSync(join(tmpdir(), 'wk-proto-lint-'));
  try {
    const out = join(tmp, 'set.bin');
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/protoc/protoc.cjs'), `-I${protoRoot}`, '--include_source_info', `--descriptor_set_out=${out}`, ...files],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) return [`protoc failed: ${r.stderr.trim()}`];
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(out));
    return set.file.flatMap(lintFile);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function lintFile(f: FileDescriptorProto): string[] {
  const problems: string[] = [];
  if (f.package !== 'wirekube.v1') problems.push(`${f.name}: package is "${f.package}", expected "wirekube.v1"`);
  const documented = new Set(
    (f.sourceCodeInfo?.location ?? []).filter((l) => (l.leadingComments ?? '').trim() !== '').map((l) => l.path.join('.')),
  );
  const need = (path: number[], what: string) => {
    if (!documented.has(path.join('.'))) problems.push(`${f.name}: ${what} has no leading comment`);
  };
  const visitMessage = (m: DescriptorProto, path: number[], prefix: string) => {
    if (m.options?.mapEntry) return; // synthesised by protoc for map<,> fields
    need(path, `message ${prefix}${m.name}`);
    m.nestedType.forEach((n, i) => visitMessage(n, [...path, MESSAGE_NESTED, i], `${prefix}${m.name}.`));
    m.enumType.forEach((e, i) => need([...path, MESSAGE_ENUM, i], `enum ${prefix}${m.name}.${e.name}`));
  };
  f.messageType.forEach((m, i) => visitMessage(m, [FILE_MESSAGE, i], ''));
  f.enumType.forEach((e, i) => need([FILE_ENUM, i], `enum ${e.name}`));
  f.service.forEach((s, i) => {
    need([FILE_SERVICE, i], `service ${s.name}`);
    s.method.forEach((m, j) => need([FILE_SERVICE, i, SERVICE_METHOD, j], `rpc ${s.name}.${m.name}`));
  });
  return problems;
}
