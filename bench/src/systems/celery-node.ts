/** celery-node 0.5.9: `sendTask` (fire and forget), `AsyncResult.get()` (polls every 500 ms). */
import { createClient } from 'celery-node';
import type { BenchSystem, BenchTarget, Producer } from '../system.js';
import { countKeys } from '../system.js';

type CeleryClient = ReturnType<typeof createClient>;
type Publish = (...args: unknown[]) => Promise<unknown>;

/**
 * celery-node's `sendTask` returns before the LPUSH is even issued; to time enqueues we keep the
 * promise of each `broker.publish` call it makes (the command itself is unchanged).
 */
export function capturePublishes(client: CeleryClient): { take(): Promise<unknown>[] } {
  const broker = client.broker as unknown as { publish: Publish };
  const original = broker.publish.bind(broker);
  let sent: Promise<unknown>[] = [];
  broker.publish = (...args: unknown[]) => {
    const promise = original(...args);
    sent.push(promise);
    return promise;
  };
  return {
    take() {
      const taken = sent;
      sent = [];
      return taken;
    },
  };
}

async function openProducer(target: BenchTarget): Promise<Producer> {
  const url = `${target.redisUrl}/0`;
  const client = createClient(url, url, target.queue);
  await client.isReady();
  const published = capturePublishes(client);
  const add = client.createTask('tasks.add');
  // sendTask publishes after a resolved promise: wait for the call to reach broker.publish.
  const settle = async (): Promise<void> => {
    await client.isReady();
    await Promise.all(published.take());
  };
  return {
    async enqueueOne(count) {
      for (let i = 0; i < count; i++) {
        add.applyAsync([i, i]);
        await settle();
      }
    },
    async enqueueBulk(count, batchSize) {
      // No bulk API: a batch is `batchSize` sends in flight at once.
      for (let start = 0; start < count; start += batchSize) {
        for (let i = start; i < Math.min(count, start + batchSize); i++) add.applyAsync([i, i]);
        await settle();
      }
    },
    async roundTrip(x, y) {
      return (await add.applyAsync([x, y]).get(30_000)) as number;
    },
    async close() {
      await client.disconnect();
    },
  };
}

/** The celery-node system. */
export const celeryNodeSystem: BenchSystem = {
  name: 'celery-node',
  label: 'celery-node 0.5.9',
  workerModule: 'celery-node.ts',
  notes: [
    'celery-node has no concurrency setting: it BRPOPs one message at a time and never awaits the task, so every concurrency row runs the same worker.',
    'celery-node has no bulk send: a batch is 1,000 `applyAsync` calls in flight at once. Its `get()` polls every 500 ms, so its round trips are capped by time, not count.',
    'Its worker logs two lines per task with `console.info`; the bench silences `console.info` in that process.',
  ],
  openProducer,
  countResults: (redis) => countKeys(redis, 'celery-task-meta-*'),
};
