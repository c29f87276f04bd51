/** pg's `Client` for code that runs in the bench process (and so also in its vitest tests). */
import { createRequire } from 'node:module';
import type { Client as PgClient } from 'pg';

/**
 * Loaded by its CommonJS file (an exported path of `pg`). vitest runs Node with its resolve conditions
 * (`import` among them), and `pg`'s index then `require`s pg-pool's ES module build and fails to
 * extend it; the client file needs no pool. Children use `import pg from 'pg'` as usual.
 */
export const Client = createRequire(import.meta.url)('pg/lib/client.js') as typeof PgClient;
