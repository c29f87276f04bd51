import { defineConfig } from 'vitest/config';

// Workspace packages export a `source` condition pointing at `src/`, so tests run without a build.
const conditions = ['source', 'module', 'node', 'import', 'default'];
const slow = ['**/*.int.test.ts', '**/*.interop.test.ts'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    // Vitest's default on a 2-core machine is one file at a time; these tests mostly wait on servers,
    // so two at a time keep CI under half an hour (interop files still run one by one). Servers a
    // test starts take ports from its worker's own block (@celerity/testing's freePort).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'tests/*/**/*.test.ts'], exclude: ['**/node_modules/**', '**/.readme-snippets/**', ...slow] },
      },
      {
        extends: true,
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, only: true, include: ['packages/*/src/**/*.test-d.ts', 'packages/*/test/**/*.test-d.ts'], tsconfig: './tsconfig.typetests.json' },
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['packages/*/{src,test}/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts', 'tests/*/**/*.int.test.ts'], exclude: ['**/node_modules/**', '**/.readme-snippets/**'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: 'interop', include: ['packages/*/{src,test}/**/*.interop.test.ts', 'tests/**/*.interop.test.ts'], testTimeout: 180_000, hookTimeout: 300_000, fileParallelism: false },
      },
    ],
  },
});
