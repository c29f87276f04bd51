import { defineConfig } from 'vitest/config';

// `pnpm test` (scripts/test.sh) runs the unit tests here; all of them, smoke tests included: `pnpm --filter @celerity/bench test`.
const conditions = ['source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
