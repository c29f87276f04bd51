/**
 * What every Celerity worker child of the bench does: connect the Redis broker and backend, create
 * the worker on the run's queue and concurrency with the child's own options, and close both after
 * it stops. `processed` counts a task once its result is stored.
 */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { runWorkerChild } from './harness.js';

/** Runs a Celerity worker child with `options` (tasks, pool, events…) on top of the run's settings. */
export function runCelerityWorkerChild(options: Omit<WorkerOptions, 'broker' | 'backend' | 'queues' | 'concurrency'>): void {
  runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
    const broker = createRedisBroker({ url: redisUrl });
    const backend = createRedisBackend({ url: redisUrl });
    await broker.connect();
    await backend.connect();
    const worker = createWorker({ ...options, broker, backend, queues: [queue], concurrency });
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
}
