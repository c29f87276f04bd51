/**
 * The celery-node worker both bench rows run (Redis and RabbitMQ brokers): `tasks.add` registered,
 * its results counted as they are written (celery-node does not await its result writes).
 */
import { createWorker } from 'celery-node';

// celery-node logs two lines per task; printing them would measure the terminal, not the queue.
console.info = () => {};

/** A ready celery-node worker and the number of results it has stored so far. */
export async function countingCeleryNodeWorker(brokerUrl: string, backendUrl: string, queue: string) {
  let processed = 0;
  const worker = createWorker(brokerUrl, backendUrl, queue);
  worker.register('tasks.add', async (x: number, y: number) => x + y);
  const backend = worker.backend as unknown as { storeResult: (...args: unknown[]) => Promise<unknown> };
  const storeResult = backend.storeResult.bind(backend);
  backend.storeResult = (...args: unknown[]) => storeResult(...args).then((value) => (processed++, value));
  await worker.isReady();
  return { worker, processed: () => processed };
}
