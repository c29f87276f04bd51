/** Worker child for the canvas rows: `createWorker` with the Redis broker and backend, async pool. */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createWorker } from '@celerity/worker';
import * as tasks from './celerity-canvas-tasks.js';
import { runWorkerChild } from './harness.js';

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  await broker.connect();
  await backend.connect();
  const worker = createWorker({ broker, backend, tasks, queues: [queue], concurrency, hostname: 'canvas@bench' });
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
