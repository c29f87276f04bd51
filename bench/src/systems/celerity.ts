/**
 * Celerity on Redis: `createClient` (`send`, `sendMany`, `AsyncResult.get`) and `createWorker`, with
 * the Redis broker and backend adapters, all at their defaults. Messages are Celery protocol v2 in
 * kombu's Redis layout; results are Celery's `celery-task-meta-<id>` keys.
 */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { BenchSystem, BenchTarget, Producer } from '../system.js';
import { countKeys } from '../system.js';
import type { add } from '../workers/celerity-tasks.js';

async function openProducer(target: BenchTarget): Promise<Producer> {
  const broker = createRedisBroker({ url: target.redisUrl });
  const backend = createRedisBackend({ url: target.redisUrl });
  await broker.connect();
  await backend.connect();
  const client = createClient({ broker, backend, defaultQueue: target.queue });
  const task = client.task<typeof add>('tasks.add');
  return {
    async enqueueOne(count) {
      for (let i = 0; i < count; i++) await task.delay(i, i);
    },
    async enqueueBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const items = [];
        for (let i = start; i < Math.min(count, start + batchSize); i++) items.push({ task: 'tasks.add', args: [i, i] });
        await client.sendMany(items);
      }
    },
    async roundTrip(x, y) {
      const result = await task.delay(x, y);
      return result.get({ timeout: 30 });
    },
    async close() {
      await client.close();
      await broker.close();
      await backend.close();
    },
  };
}

/** The Celerity system. */
export const celeritySystem: BenchSystem = {
  name: 'celerity',
  label: 'celerity (workspace, Redis broker + Redis backend)',
  workerModule: 'celerity.ts',
  notes: [
    'Celerity sends Celery protocol v2 messages in kombu\'s envelope and stores Celery result records (24 h expiry), readable by Python Celery. The client watches each task it sends one at a time (in the enqueue figures too): its ids share a random first group, so one PSUBSCRIBE covers their result channels, on which any Celery worker publishes.',
  ],
  openProducer,
  countResults: (redis) => countKeys(redis, 'celery-task-meta-*'),
};
