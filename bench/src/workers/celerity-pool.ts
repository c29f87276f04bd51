/**
 * Worker child for Celerity's pool rows: `createWorker` with the Redis broker and backend and the
 * pool named by `BENCH_CELERITY_POOL` (async, threads or processes; the bench sets it before it forks
 * this child), defaults otherwise.
 */
import { fileURLToPath } from 'node:url';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { PoolName } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import * as tasks from './celerity-pool-tasks.js';
import { runWorkerChild } from './harness.js';

const pool = (process.env['BENCH_CELERITY_POOL'] ?? 'async') as PoolName;
// Compiled (`dist/workers/*.js`) or from source through tsx: the children import the same file.
const tasksModule = fileURLToPath(new URL(`./celerity-pool-tasks.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  await broker.connect();
  await backend.connect();
  const worker = createWorker({ broker, backend, tasks, tasksModule, pool, queues: [queue], concurrency });
  return {
    start: () => worker.start(),
    processed: () => worker.stats.processed,
    async stop() {
      await worker.stop();
      await broker.close();
      await backend.close();
    },
  };
});
