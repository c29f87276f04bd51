/** Worker child for BullMQ: a `Worker` with `autorun: false`, started on `go`. */
import { Worker } from 'bullmq';
import { redisOptions } from '../systems/bullmq.js';
import { runWorkerChild } from './harness.js';

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  let processed = 0;
  const worker = new Worker<{ x: number; y: number }, number>(queue, async (job) => job.data.x + job.data.y, {
    connection: redisOptions(redisUrl),
    concurrency,
    autorun: false,
  });
  // 'completed' fires once the job (and its return value) is moved to the completed set.
  worker.on('completed', () => void processed++);
  worker.on('error', (error) => console.error('bullmq worker:', error.message));
  await worker.waitUntilReady();
  return {
    async start() {
      void worker.run();
    },
    processed: () => processed,
    async stop() {
      await worker.close();
    },
  };
});
