/**
 * Worker child for graphile-worker: a pg Pool opened and the schema migrated on `prepare`, `run()` on
 * `go`. `BENCH_GRAPHILE_BATCHED=1` adds the batching of graphile-worker's published figure.
 */
import { Logger, run, runMigrations } from 'graphile-worker';
import type { Runner, TaskList } from 'graphile-worker';
import pg from 'pg';
import { addArguments, databaseUrlFromEnv, graphileSchemaFromEnv } from '../pg/env.js';
import { poolSize } from '../pg/peers.js';
import { runWorkerChild } from './harness.js';

const batched = process.env['BENCH_GRAPHILE_BATCHED'] === '1';
const schema = graphileSchemaFromEnv();
// Its "Worker connected…" lines would measure the terminal, not the queue.
const silent = new Logger(() => () => undefined);

const taskList: TaskList = {
  async add(payload) {
    const { x, y } = addArguments(payload);
    void (x + y);
  },
  // Round trips: graphile-worker keeps no result and has no way to wait for a job, so the task sends it.
  async add_notify(payload, helpers) {
    const { x, y } = addArguments(payload);
    const { channel, id } = payload as { channel: string; id: number };
    await helpers.query('select pg_notify($1, $2)', [channel, JSON.stringify({ id, result: x + y })]);
  },
};

runWorkerChild(async ({ concurrency }) => {
  const pgPool = new pg.Pool({ connectionString: databaseUrlFromEnv(), max: poolSize(concurrency) });
  pgPool.on('error', (error) => console.error('graphile-worker pool:', error.message));
  // graphile-worker asks for a handler on every client too (it warns without one).
  pgPool.on('connect', (client) => void client.on('error', (error) => console.error('graphile-worker client:', error.message)));
  await runMigrations({ pgPool, schema, logger: silent });
  // Open the pool's connections now, so that `go` does not time connecting.
  await Promise.all(Array.from({ length: poolSize(concurrency) }, () => pgPool.query('select 1')));
  let processed = 0;
  let runner: Runner | null = null;
  return {
    async start() {
      runner = await run({
        pgPool,
        schema,
        concurrency,
        pollInterval: 2000,
        taskList,
        logger: silent,
        noHandleSignals: true,
        ...(batched ? { preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } } : {}),
      });
      runner.events.on('job:success', () => void processed++);
      runner.events.on('job:error', ({ error }) => console.error('graphile-worker job:', error));
    },
    processed: () => processed,
    async stop() {
      await runner?.stop();
      await pgPool.end();
    },
  };
});
