import { defineConfig } from 'vitest/config';

// The bench is not part of `pnpm test`; run its own tests with `pnpm --filter @celerity/bench test`.
const conditions = ['source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
