/**
 * Bounded redelivery and Python Celery (5.2, and 5.5 where its chroot is there): a Python worker
 * runs a message carrying Celerity's `celerity_deliveries` count header (an unknown header to it),
 * on Redis and on RabbitMQ; and a Python client reads the FAILURE a TypeScript worker stores for a
 * dead-lettered task (`celery.exceptions.MaxDeliveriesExceeded`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import type { Broker } from '@celerity/core';
import { DELIVERIES_HEADER, createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();
const json = createJsonSerializer();

let rabbit: RabbitVhost | undefined;
afterAll(async () => {
  await rabbit?.cleanup();
}, 60_000);

/** Publishes `tasks.add(2, 3)` carrying the count header, and returns its id. */
async function publishCounted(broker: Broker, queue: string): Promise<string> {
  const id = crypto.randomUUID();
  await broker.declareQueue(queue);
  await broker.publish({ queue }, encodeTaskMessage({ task: 'tasks.add', id, args: [2, 3], headers: { [DELIVERIES_HEADER]: 3 } }, { serializer: json }));
  return id;
}

function suite(version: PythonCeleryVersion): void {
  // The same check on each broker: only where the messages travel differs.
  const transports: ReadonlyArray<{ name: string; brokerUrl: (redisUrl: string) => Promise<string>; create: (url: string) => Broker }> = [
    { name: 'Redis', brokerUrl: (redisUrl) => Promise.resolve(redisUrl), create: (url) => createRedisBroker({ url }) },
    {
      name: 'RabbitMQ',
      brokerUrl: async () => (rabbit ??= await createRabbitVhost()).url,
      create: (url) => createAmqpBroker({ url }),
    },
  ];
  for (const transport of transports) {
    it(`a Python worker runs a message carrying celerity_deliveries, on ${transport.name}`, async () => {
      await using redis = await createRedisScratch();
      const brokerUrl = await transport.brokerUrl(redis.url);
      const queue = redis.name(`counted-${transport.name}`);
      const worker = await startPythonWorker({ version, env: { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url, QUEUE: queue }, queues: [queue] });
      const client = createClient({ broker: transport.create(brokerUrl), backend: createRedisBackend({ url: redis.url }) });
      try {
        const id = await publishCounted(client.broker, queue);
        expect(await client.result(id).get({ timeout: 60 })).toBe(5);
      } finally {
        await worker.stop();
        await client.broker.close();
        await client.backend?.close();
      }
    });
  }

  it('a Python client reads the FAILURE stored for a dead-lettered task', async () => {
    await using redis = await createRedisScratch();
    const queue = redis.name('dead');
    const broker = createRedisBroker({ url: redis.url });
    // Its count says delivery 3 and the worker allows 2: dead-lettered without running.
    const id = await publishCounted(broker, queue);
    const worker = createWorker({ broker, backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [queue], maxDeliveries: 2 });
    await worker.start();
    try {
      await waitFor(() => worker.stats.deadLettered === 1, { timeout: 20_000, interval: 50, message: 'the task dead-lettered' });
      const out = await runPythonClient(version, ['get', id, '--timeout', '10'], { BROKER_URL: redis.url, RESULT_BACKEND: redis.url });
      expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'MaxDeliveriesExceeded', exc_module: 'celery.exceptions' });
      expect(out.exc_message).toContain('without completing (maxDeliveries 2)');
    } finally {
      await worker.stop();
      await broker.close();
      await worker.backend?.close();
    }
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`Python Celery ${entry.celery} and bounded redelivery`, () => suite(version));
  else describe.skip(`Python Celery ${version} and bounded redelivery: ${entry.unavailable}`, () => suite(version));
}
