/** Worker child for celery-node: `createWorker`, `register('tasks.add')`, `start()` on `go`. */
import { runWorkerChild } from './harness.js';
import { countingCeleryNodeWorker } from './celery-node-setup.js';

runWorkerChild(async ({ redisUrl, queue }) => {
  const url = `${redisUrl}/0`;
  const { worker, processed } = await countingCeleryNodeWorker(url, url, queue);
  return {
    async start() {
      void worker.start();
    },
    processed,
    async stop() {
      // disconnect() waits out the pending BRPOP (5 s); every result is stored by now, so drop the sockets.
      const broker = worker.broker as unknown as { closing: boolean; redis: { disconnect(): void } };
      broker.closing = true;
      broker.redis.disconnect();
      (worker.backend as unknown as { redis: { disconnect(): void } }).redis.disconnect();
    },
  };
});
