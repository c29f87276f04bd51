/**
 * Worker child for celery-node on RabbitMQ: its amqp broker (no prefetch limit, ack on delivery)
 * and its Redis backend on the bench's Redis, since celery-node always stores results.
 */
import { createWorker } from 'celery-node';
import { runWorkerChild } from '../../workers/harness.js';
import { amqpUrlFromEnv } from './env.js';

// celery-node logs two lines per task; printing them would measure the terminal, not the queue.
console.info = () => {};

runWorkerChild(async ({ redisUrl, queue }) => {
  let processed = 0;
  const worker = createWorker(amqpUrlFromEnv(), `${redisUrl}/0`, queue);
  worker.register('tasks.add', async (x: number, y: number) => x + y);
  // The worker does not await its result writes; count them as they complete.
  const backend = worker.backend as unknown as { storeResult: (...args: unknown[]) => Promise<unknown> };
  const storeResult = backend.storeResult.bind(backend);
  backend.storeResult = (...args: unknown[]) => storeResult(...args).then((value) => (processed++, value));
  await worker.isReady();
  return {
    async start() {
      void worker.start();
    },
    processed: () => processed,
    async stop() {
      await (worker.broker as unknown as { disconnect(): Promise<void> }).disconnect();
      (worker.backend as unknown as { redis: { disconnect(): void } }).redis.disconnect();
    },
  };
});
