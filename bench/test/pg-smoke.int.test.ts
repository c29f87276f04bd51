/**
 * Runs the PostgreSQL part end to end on the machine's PostgreSQL at tiny sizes: the children start
 * under the chosen Node, every row gets figures, results are where each peer keeps them, and the
 * run's database is gone afterwards. Correctness of the harness, never timings.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { QUICK } from '../src/config.js';
import type { BenchConfig } from '../src/config.js';
import { Client } from '../src/pg/client.js';
import { benchDatabaseName, DEFAULT_ADMIN_URL } from '../src/pg/database.js';
import { PG_PEER_NAMES, variantsOf } from '../src/pg/peers.js';
import { runPg } from '../src/pg/scenario.js';
import type { RunError } from '../src/results.js';

const TINY: BenchConfig = { ...QUICK, reps: 1, enqueueOne: 20, enqueueBulk: 300, bulkBatch: 100, processJobs: 300, concurrency: [1, 10], roundTrips: 5, roundTripMinMs: 0, roundTripMaxMs: 3000, roundTripWarmup: 2 };

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: process.env['BENCH_POSTGRES_URL'] ?? DEFAULT_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('runPg', () => {
  it('measures every row of both peers at tiny sizes and drops its database', async () => {
    // Never connected: the PostgreSQL part does not use the bench's Redis.
    const redis = new Redis({ lazyConnect: true });
    const errors: RunError[] = [];
    const log: string[] = [];
    const pgResults = await runPg({ config: TINY, target: { redisUrl: '', queue: 'bench' }, redis, systems: [], log: (m) => log.push(m), errors, workerExecArgv: [] }, PG_PEER_NAMES);
    redis.disconnect();
    expect(pgResults.errors).toEqual([]);
    expect(pgResults.database).toBe(benchDatabaseName(process.pid));
    expect(await databaseExists(pgResults.database)).toBe(false);
    expect(pgResults.rows.map((r) => r.name)).toEqual(variantsOf(PG_PEER_NAMES).map((v) => v.name));
    for (const row of pgResults.rows) {
      expect(row.producerNode).toMatch(/^v\d+\./);
      expect(pgResults.process[row.name]?.['1']?.throughput.median).toBeGreaterThan(0);
      expect(pgResults.process[row.name]?.['10']?.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
      // The machine's PostgreSQL runs here, so its processes are visible in /proc.
      expect(pgResults.process[row.name]?.['10']?.postgresCpuUs?.median).toBeGreaterThanOrEqual(0);
      expect(pgResults.roundTrip[row.name]?.samples[0]).toBeGreaterThanOrEqual(5);
    }
    expect(Object.keys(pgResults.enqueue).sort()).toEqual(['graphile-worker', 'pg-boss']);
    expect(log.join('\n')).toContain('pg process pg-boss c=10 rep 1');
  }, 240_000);

  it('records a failure after the database was made, and still drops the database', async () => {
    const previous = process.env['BENCH_PG_NODE'];
    process.env['BENCH_PG_NODE'] = '/nonexistent/node';
    try {
      const redis = new Redis({ lazyConnect: true });
      const out = await runPg({ config: TINY, target: { redisUrl: '', queue: 'bench' }, redis, systems: [], log: () => undefined, errors: [], workerExecArgv: [] }, ['pg-boss']);
      redis.disconnect();
      expect(out.database).toBe(benchDatabaseName(process.pid));
      expect(out.errors).toMatchObject([{ row: 'pg', scenario: 'setup' }]);
      expect(out.errors[0]!.message).toContain('/nonexistent/node');
      expect(await databaseExists(out.database)).toBe(false);
    } finally {
      if (previous === undefined) delete process.env['BENCH_PG_NODE'];
      else process.env['BENCH_PG_NODE'] = previous;
    }
  });

  it('reports an unreachable server as a failed setup, not a crash', async () => {
    const previous = process.env['BENCH_POSTGRES_URL'];
    process.env['BENCH_POSTGRES_URL'] = 'postgres://postgres@127.0.0.1:1/postgres';
    try {
      const redis = new Redis({ lazyConnect: true });
      const out = await runPg({ config: TINY, target: { redisUrl: '', queue: 'bench' }, redis, systems: [], log: () => undefined, errors: [], workerExecArgv: [] }, ['pg-boss']);
      redis.disconnect();
      expect(out.postgres).toBe('unavailable');
      expect(out.errors).toMatchObject([{ row: 'pg', scenario: 'setup' }]);
    } finally {
      if (previous === undefined) delete process.env['BENCH_POSTGRES_URL'];
      else process.env['BENCH_POSTGRES_URL'] = previous;
    }
  });
});
