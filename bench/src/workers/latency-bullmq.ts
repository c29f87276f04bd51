/**
 * Worker child for the latency rows: a BullMQ `Worker` whose processor returns `[x + y, start]`, with
 * `start` on CLOCK_MONOTONIC in ms (`latency/clock.ts`), as Celerity's `tasks.add_stamped` does.
 */
import { Worker } from 'bullmq';
import { monotonicMs } from '../latency/clock.js';
import { redisOptions } from '../systems/bullmq.js';
import { runWorkerChild } from './harness.js';

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  let processed = 0;
  const worker = new Worker<{ x: number; y: number }, [number, number]>(
    queue,
    async (job) => {
      const startedAt = monotonicMs();
      return [job.data.x + job.data.y, startedAt];
    },
    { connection: redisOptions(redisUrl), concurrency, autorun: false },
  );
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
