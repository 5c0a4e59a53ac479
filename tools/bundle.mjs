// Bundles an app's src/main.ts into dist/main.js. Workspace libraries (@wirekube/*) are inlined
// through the tsconfig path aliases; everything from node_modules stays external so native
// addons and ESM-only packages load exactly as installed.
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
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  tsconfig: resolve(root, 'tsconfig.base.json'),
  plugins: [externalPackages],
  logLevel: 'warning',
});
