/** Worker child for bee-queue: `process(concurrency, handler)` called on `go`. */
import BeeQueue from 'bee-queue';
import { redisOptions } from '../systems/bullmq.js';
import { runWorkerChild } from './harness.js';

runWorkerChild(async ({ redisUrl, queue: name, concurrency }) => {
  let processed = 0;
  // sendEvents (the default) publishes each outcome: what round trips listen to.
  const queue = new BeeQueue<{ x: number; y: number }>(name, { redis: redisOptions(redisUrl), isWorker: true, getEvents: false });
  // 'succeeded' is emitted after the job's finishing MULTI has run.
  queue.on('succeeded', () => void processed++);
  queue.on('error', (error) => console.error('bee-queue worker:', error.message));
  await queue.ready();
  return {
    async start() {
      queue.process(concurrency, async (job) => job.data.x + job.data.y);
    },
    processed: () => processed,
    async stop() {
      await queue.close();
    },
  };
});
