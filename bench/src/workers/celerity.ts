/** Worker child for Celerity: `createWorker` with the Redis broker and backend, defaults otherwise. */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createWorker } from '@celerity/worker';
import { add } from './celerity-tasks.js';
import { runWorkerChild } from './harness.js';

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  await broker.connect();
  await backend.connect();
  const worker = createWorker({ broker, backend, tasks: [add], queues: [queue], concurrency });
  return {
    start: () => worker.start(),
    // `processed` counts a task once its result is stored.
    processed: () => worker.stats.processed,
    async stop() {
      await worker.stop();
      await broker.close();
      await backend.close();
    },
  };
});
