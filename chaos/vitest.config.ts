import { defineConfig } from 'vitest/config';

// The chaos harness is not part of `pnpm test`; run its own tests with `pnpm --filter @celerity/chaos test`.
const conditions = ['source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  // Scenario tests start servers and worker processes: one file at a time keeps a shared machine usable.
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false },
});
