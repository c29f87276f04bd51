/**
 * Worker child for celery-node on RabbitMQ: its amqp broker (no prefetch limit, ack on delivery)
 * and its Redis backend on the bench's Redis, since celery-node always stores results.
 */
import { runWorkerChild } from '../../workers/harness.js';
import { countingCeleryNodeWorker } from '../../workers/celery-node-setup.js';
import { amqpUrlFromEnv } from './env.js';

runWorkerChild(async ({ redisUrl, queue }) => {
  const { worker, processed } = await countingCeleryNodeWorker(amqpUrlFromEnv(), `${redisUrl}/0`, queue);
  return {
    async start() {
      void worker.start();
    },
    processed,
    async stop() {
      await (worker.broker as unknown as { disconnect(): Promise<void> }).disconnect();
      (worker.backend as unknown as { redis: { disconnect(): void } }).redis.disconnect();
    },
  };
});
