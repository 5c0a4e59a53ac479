// Bundles an app's src/main.ts into dist/main.js (or `node tools/bundle.mjs <entry> <outfile>`,
// relative to the working directory, for benchmark tools that must run as shipped code does).
// Workspace libraries (@wirekube/*) are inlined through the tsconfig path aliases, and so is
// @kubernetes/client-node with what it imports: loaded from node_modules it is ~1000 ES modules
// that cost a process ~60 MB RSS and ~0.6 s of CPU before any work; inlined and tree-shaken it
// costs ~30 MB and ~0.1 s (docs/scale.md). Every other package stays external so native addons
// and ESM-only packages load exactly as installed.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const INLINED = ['@kubernetes/client-node'];
const inlined = (path) => path.startsWith('@wirekube/') || INLINED.some((p) => path === p || path.startsWith(`${p}/`));
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    // Bare imports made from inside node_modules come from an inlined package and follow it in.
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      inlined(args.path) || args.importer.includes(`${sep}node_modules${sep}`) ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * esbuild escapes non-ASCII characters in strings, regexps and identifiers but not in the comments
 * it keeps; one such character makes V8 hold the whole bundle's source (kept for lazy compilation)
 * as UTF-16, twice its size (~10 MB for the agent). Escaping them in the comments keeps it Latin-1.
 */
const asciiComments = (text) => text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);

const { outputFiles } = await build({
  entryPoints: [process.argv[2] ?? 'src/main.ts'],
  outfile: process.argv[3] ?? 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  tsconfig: resolve(root, 'tsconfig.base.json'),
  plugins: [externalPackages],
  logLevel: 'warning',
  write: false,
});
for (const file of outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.path.endsWith('.js') ? asciiComments(file.text) : file.contents);
}
