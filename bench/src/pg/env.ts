/** What the bench passes to its PostgreSQL children through their environment. */

/** The variable holding the database URL of the run. */
export const DATABASE_URL_VAR = 'BENCH_DATABASE_URL';

/** The database URL given to this child; throws when the bench did not set it. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env[DATABASE_URL_VAR];
  if (!url) throw new Error(`${DATABASE_URL_VAR} is not set: PostgreSQL children are started by the bench`);
  return url;
}

/** Reads `{ x, y }` from a job payload; a payload of another shape is a clear error, not a NaN result. */
export function addArguments(payload: unknown): { x: number; y: number } {
  const p = payload as { x?: unknown; y?: unknown } | null;
  if (typeof p !== 'object' || p === null || typeof p.x !== 'number' || typeof p.y !== 'number') throw new TypeError(`add expects { x: number, y: number }, got ${JSON.stringify(payload)}`);
  return { x: p.x, y: p.y };
}

/** The graphile-worker schema of a variant (each variant has its own, so two never take each other's jobs). */
export function graphileSchemaFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const schema = env['BENCH_GRAPHILE_SCHEMA'] ?? 'graphile_worker';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`BENCH_GRAPHILE_SCHEMA must be a plain identifier, got '${schema}'`);
  return schema;
}
