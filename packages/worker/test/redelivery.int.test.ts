// Bounded redelivery against the real brokers — Redis, RabbitMQ classic queues (both counted in the
// celerity_deliveries header) and quorum queues (counted by RabbitMQ, x-delivery-count): a task
// whose workers die running it, and a task whose result can never be stored, each run at most
// maxDeliveries times, then sit in the dead-letter queue with the reason, FAILURE stored, and a
// client's get() rejects.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, Logger, QueueDeclaration, ResultBackend, ResultMeta } from '@celerity/core';
import { TaskError, createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { deleteKeys, randomSuffix, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost, type TestVhost } from '../../broker-amqp/test/vhost.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const json = createJsonSerializer();
const prefix = `celerity-test-${randomSuffix()}:`;
let vhost: TestVhost;
let inspector: Redis;

beforeAll(async () => {
  vhost = await createTestVhost();
  inspector = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deleteKeys(inspector, `${prefix}*`);
  inspector.disconnect();
  await vhost?.dispose();
});

const runs = new Map<string, number>();
const count = (id: string): void => void runs.set(id, (runs.get(id) ?? 0) + 1);
// Never settles: its worker is "killed" (forced stop, connection closed) while running it.
const hangs = defineTask({ name: 'test.hangs', params: ['id'] }, (id: string) => {
  count(id);
  return new Promise<never>(() => undefined);
});
const add = defineTask({ name: 'test.add_counted', params: ['id', 'x', 'y'] }, (id: string, x: number, y: number) => {
  count(id);
  return x + y;
});
const tasks = [hangs, add];

/** The Redis result backend with a prefix of this run; `refuseSuccess` makes SUCCESS stores fail. */
function backend(refuseSuccess = false): ResultBackend {
  const real = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
  if (!refuseSuccess) return real;
  return new Proxy(real, {
    get(target, property) {
      if (property === 'storeMany') {
        return (metas: readonly ResultMeta[]) => (metas.some((m) => m.status === 'SUCCESS') ? Promise.reject(new Error('backend refuses SUCCESS')) : target.storeMany(metas));
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface Setup {
  name: string;
  make(): Broker;
  declaration: QueueDeclaration;
  /** Who counts deliveries: the broker, or the worker through a copy with the count header. */
  countedBy: 'broker' | 'header';
}

const setups: Setup[] = [
  { name: 'Redis', make: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix, pollInterval: 0.2 }), declaration: {}, countedBy: 'header' },
  { name: 'RabbitMQ classic queue', make: () => createAmqpBroker({ url: vhost.url }), declaration: {}, countedBy: 'header' },
  { name: 'RabbitMQ quorum queue', make: () => createAmqpBroker({ url: vhost.url }), declaration: { queueType: 'quorum' }, countedBy: 'broker' },
];

async function expectDeadLettered(broker: Broker, queue: string, id: string, deliveries: number, error: string | null): Promise<void> {
  const entry = await waitFor(async () => broker.deadLetters!.get(queue, id), { timeout: 20_000, message: `${id} in the dead-letter queue` });
  expect(entry).toMatchObject({ id, queue, reason: 'max-deliveries', deliveries, error });
  expect(await broker.size(queue)).toBe(0);
  const results = backend();
  try {
    const meta = await results.get(id);
    expect(meta?.status).toBe('FAILURE');
    expect(meta?.result).toMatchObject({ exc_type: 'MaxDeliveriesExceeded', exc_module: 'celery.exceptions' });
    const error = await createClient({ broker, backend: results }).result(id).get({ timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).excType).toBe('MaxDeliveriesExceeded');
  } finally {
    await results.close();
  }
}

describe.each(setups)('bounded redelivery on $name', ({ make, declaration, countedBy }) => {
  it('a task whose workers die running it runs maxDeliveries times, then is dead-lettered', { timeout: 120_000 }, async () => {
    const queue = `dies-${randomSuffix()}`;
    const id = `dies-${randomSuffix()}`;
    const seed = make();
    await seed.declareQueue(queue, declaration);
    await seed.publish({ queue }, encodeTaskMessage({ task: 'test.hangs', id, args: [id] }, { serializer: json }));
    const copies: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (line) => void (line.includes('was delivered before without completing') && copies.push(line)) };
    const options = { tasks, queues: [queue], queueOptions: { [queue]: declaration }, acksLate: true, maxDeliveries: 2, logger };
    try {
      for (let life = 1; life <= 2; life++) {
        const broker = make();
        const results = backend();
        const worker = createWorker({ ...options, broker, backend: results });
        await worker.start();
        await waitFor(() => runs.get(id) === life, { timeout: 20_000, message: `run ${life}` });
        // Killed mid-run: the task is abandoned and its connection closes without an ack.
        await worker.stop({ force: true });
        await broker.close();
        await results.close();
      }
      const broker = make();
      const results = backend();
      const worker = createWorker({ ...options, broker, backend: results });
      await worker.start();
      try {
        await waitFor(() => worker.stats.deadLettered === 1, { timeout: 20_000, message: 'the message dead-lettered' });
      } finally {
        await worker.stop();
        await broker.close();
        await results.close();
      }
      expect(runs.get(id)).toBe(2);
      // The second run was a copy carrying its count, unless the broker counted.
      expect(copies).toHaveLength(countedBy === 'header' ? 1 : 0);
      await expectDeadLettered(seed, queue, id, 2, null);
    } finally {
      await seed.deadLetters!.purge(queue).catch(() => 0);
      await seed.close();
    }
  });

  it('a task whose result can never be stored ends in the dead-letter queue instead of looping', { timeout: 120_000 }, async () => {
    const queue = `machinery-${randomSuffix()}`;
    const id = `machinery-${randomSuffix()}`;
    const broker = make();
    const results = backend(true);
    await broker.declareQueue(queue, declaration);
    const worker = createWorker({ broker, backend: results, tasks, queues: [queue], queueOptions: { [queue]: declaration }, acksLate: true, maxDeliveries: 3 });
    await worker.start();
    try {
      await broker.publish({ queue }, encodeTaskMessage({ task: 'test.add_counted', id, args: [id, 2, 3] }, { serializer: json }));
      await waitFor(() => worker.stats.deadLettered === 1, { timeout: 20_000, message: 'the message dead-lettered' });
      expect(runs.get(id)).toBe(3);
      await expectDeadLettered(broker, queue, id, 3, 'backend refuses SUCCESS');
    } finally {
      await worker.stop();
      await broker.deadLetters!.purge(queue).catch(() => 0);
      await broker.close();
      await results.close();
    }
  });
});
