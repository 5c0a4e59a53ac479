// Generates TypeScript for every proto/wirekube/**/*.proto into libs/proto/src/gen with ts-proto,
// using the protoc binary bundled by the `protoc` npm package: no network needed.
//   node tools/gen-proto.mjs          regenerate in place
//   node tools/gen-proto.mjs --check  generate into a temp dir and fail if libs/proto/src/gen differs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { walk } from './walk.mjs';

const root = resolve(import.meta.dirname, '..');
const protoRoot = join(root, 'proto');
const target = join(root, 'libs/proto/src/gen');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'wk-proto-')) : target;

// ts-proto options; changing them changes the committed code, so they live here only.
const TS_PROTO_OPTIONS = [
  'outputServices=grpc-js',
  'env=node',
  'esModuleInterop=true',
  'forceLong=number',
  'oneof=unions',
  'useDate=false',
];

const files = walk(join(protoRoot, 'wirekube'), '.proto').map((f) => `wirekube/${f}`);
if (!check) rmSync(target, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const r = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/protoc/protoc.cjs'),
    `--plugin=protoc-gen-ts_proto=${join(root, 'node_modules/.bin/protoc-gen-ts_proto')}`,
    `--ts_proto_out=${out}`,
    `--ts_proto_opt=${TS_PROTO_OPTIONS.join(',')}`,
    `-I${protoRoot}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
if (r.status !== 0) process.exit(r.status ?? 1);

if (check) {
  const stale = compareTrees(out, target);
  rmSync(out, { recursive: true, force: true });
  if (stale.length) {
    console.error(`generated code is stale (run npm run gen:proto): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(`generated code is fresh (${files.length} protos)`);
}

function compareTrees(a, b) {
  const list = (d) => walk(d, '.ts');
  const names = new Set([...list(a), ...list(b)]);
  const diff = [];
  for (const n of names) {
    const read = (d) => {
      try {
        return readFileSync(join(d, n), 'utf8');
      } catch {
        return null;
      }
    };
    if (read(a) !== read(b)) diff.push(relative(root, join(b, n)));
  }
  return diff;
}
