/**
 * A timed run for a worker the bench does not drive over IPC (Python Celery's): the queue is filled
 * under another name while the worker already waits on its own (a `BRPOP`), then one `RENAME` hands
 * the whole list over — the *go* of the Node workers' runs. The run ends when the last of `count`
 * results is stored: Celery's Redis backend writes each result with `SETEX` and `PUBLISH` on the
 * key's name in one `MULTI`, so a subscriber to `celery-task-meta-*` counts stored results as they
 * come, without polling the keyspace.
 */
import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { monotonicMs } from '../latency/clock.js';
import { withTimeout } from '../scenarios/context.js';

/** The list that holds a queue's messages of priority 0 (kombu's layout: the queue's own name). */
function stagingName(queue: string): string {
  return `${queue}-staging`;
}

/** Sends `count` `task(i, i)` through Celerity's client to the staging list of `queue` (untimed). */
export async function fillStaging(redisUrl: string, queue: string, task: string, count: number, batch = 1000): Promise<void> {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  const client = createClient({ broker, backend, defaultQueue: stagingName(queue) });
  try {
    for (let start = 0; start < count; start += batch) {
      const items = [];
      for (let i = start; i < Math.min(count, start + batch); i++) items.push({ task, args: [i, i] });
      await client.sendMany(items);
    }
  } finally {
    await client.close();
    await broker.close();
    await backend.close();
  }
}

/**
 * Renames the staging list of `queue` to `queue` and resolves with the milliseconds until `count`
 * results were published.
 * @example
 * await fillStaging(url, 'bench-py', 'tasks.add', 5000);
 * const ms = await releaseAndTime(admin, url, 'bench-py', 5000, 300_000);
 */
export async function releaseAndTime(admin: Redis, redisUrl: string, queue: string, count: number, timeoutMs: number): Promise<number> {
  const subscriber = new Redis(redisUrl);
  try {
    let stored = 0;
    let started = 0;
    const done = new Promise<number>((resolve) => {
      subscriber.on('pmessageBuffer', () => {
        if (++stored === count) resolve(monotonicMs() - started);
      });
    });
    await subscriber.psubscribe('celery-task-meta-*');
    started = monotonicMs();
    await admin.rename(stagingName(queue), queue);
    return await withTimeout(done, timeoutMs, `${count} results on ${queue}`);
  } finally {
    subscriber.disconnect();
  }
}
