// Bundles an app's src/main.ts into dist/main.js (or `node tools/bundle.mjs <entry> <outfile>`,
// relative to the working directory, for benchmark tools that must run as shipped code does).
// Workspace libraries (@wirekube/*) are inlined through the tsconfig path aliases; everything
// from node_modules stays external so native addons and ESM-only packages load exactly as installed.
import { build } from 'esbuild';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@wirekube/') ? undefined : { path: args.path, external: true },
    );
  },
};

await build({
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
});
