// Lint for every project. The module-boundary rule is the architecture: apps → adapters →
// pure core → util, and the core never reaches Kubernetes, gRPC, netlink or telemetry.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const infraPackages = ['@kubernetes/*', '@grpc/*', 'netlink', '@opentelemetry/*', 'prom-client', '@wirekube/proto'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/gen/**', 'reports/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['layer:adapter', 'layer:core', 'layer:util'] },
            { sourceTag: 'layer:adapter', onlyDependOnLibsWithTags: ['layer:adapter', 'layer:core', 'layer:util'] },
            { sourceTag: 'layer:core', onlyDependOnLibsWithTags: ['layer:core', 'layer:util'], bannedExternalImports: infraPackages },
            { sourceTag: 'layer:util', onlyDependOnLibsWithTags: ['layer:util'], bannedExternalImports: infraPackages },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: ['layer:adapter', 'layer:core', 'layer:util'] },
          ],
        },
      ],
    },
  },
];
