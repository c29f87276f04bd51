/** Worker child for celery-node: `createWorker`, `register('tasks.add')`, `start()` on `go`. */
import { createWorker } from 'celery-node';
import { runWorkerChild } from './harness.js';

// celery-node logs two lines per task; printing them would measure the terminal, not the queue.
console.info = () => {};

runWorkerChild(async ({ redisUrl, queue }) => {
  let processed = 0;
  const url = `${redisUrl}/0`;
  const worker = createWorker(url, url, queue);
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
      // disconnect() waits out the pending BRPOP (5 s); every result is stored by now, so drop the sockets.
      const broker = worker.broker as unknown as { closing: boolean; redis: { disconnect(): void } };
      broker.closing = true;
      broker.redis.disconnect();
      (worker.backend as unknown as { redis: { disconnect(): void } }).redis.disconnect();
    },
  };
});
