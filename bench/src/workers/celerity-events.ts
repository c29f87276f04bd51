/**
 * Worker child for the events rows: `createWorker` with the Redis broker and backend, async pool,
 * events on when `BENCH_CELERITY_EVENTS=on` (the bench sets it before it forks this child).
 */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createWorker } from '@celerity/worker';
import * as tasks from './celerity-pool-tasks.js';
import { runWorkerChild } from './harness.js';

const eventsEnabled = process.env['BENCH_CELERITY_EVENTS'] === 'on';

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  await broker.connect();
  await backend.connect();
  const worker = createWorker({ broker, backend, tasks, queues: [queue], concurrency, eventsEnabled, hostname: `events-${eventsEnabled ? 'on' : 'off'}@bench` });
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
