/**
 * Producers on RabbitMQ: Celerity's client with the AMQP broker and celery-node's client with its
 * amqp broker. Neither keeps results here: publishing is what they are timed on.
 */
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import { createClient as createCeleryNodeClient } from 'celery-node';
import type { add } from '../workers/celerity-tasks.js';
import { capturePublishes } from '../systems/celery-node.js';

/** Publishes `add(i, i)` tasks. */
export interface AmqpProducer {
  /** Sends `count` tasks, each awaited before the next. */
  publishOne(count: number): Promise<void>;
  /** Sends `count` tasks in batches of `batchSize` (absent for celery-node: no bulk API). */
  publishBulk?(count: number, batchSize: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * `createClient` with `createAmqpBroker` and no result backend: `task.delay` and `sendMany`.
 * @example
 * const producer = await openCelerityProducer(url, 'bench');
 */
export async function openCelerityProducer(url: string, queue: string): Promise<AmqpProducer> {
  const broker = createAmqpBroker({ url });
  await broker.connect();
  const client = createClient({ broker, defaultQueue: queue });
  const task = client.task<typeof add>('tasks.add');
  return {
    async publishOne(count) {
      for (let i = 0; i < count; i++) await task.delay(i, i);
    },
    async publishBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const items = [];
        for (let i = start; i < Math.min(count, start + batchSize); i++) items.push({ task: 'tasks.add', args: [i, i] });
        await client.sendMany(items);
      }
    },
    async close() {
      await client.close();
      await broker.close();
    },
  };
}


/**
 * celery-node's client on RabbitMQ (results in the bench's Redis, never read here). `applyAsync`
 * returns before publishing; the producer keeps the promise of each `broker.publish` call to time it.
 * @example
 * const producer = await openCeleryNodeProducer(url, redisUrl, 'bench');
 */
export async function openCeleryNodeProducer(url: string, redisUrl: string, queue: string): Promise<AmqpProducer> {
  const client = createCeleryNodeClient(url, `${redisUrl}/0`, queue);
  await client.isReady();
  const published = capturePublishes(client);
  const addTask = client.createTask('tasks.add');
  return {
    async publishOne(count) {
      for (let i = 0; i < count; i++) {
        addTask.applyAsync([i, i]);
        // sendTask publishes after a resolved promise: let it reach broker.publish, then wait for it.
        await client.isReady();
        await Promise.all(published.take());
      }
    },
    async close() {
      await client.disconnect();
    },
  };
}
