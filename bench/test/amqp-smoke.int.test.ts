/**
 * The RabbitMQ rows end to end on a fresh vhost of the shared RabbitMQ (deleted afterwards), and a
 * private Redis for celery-node's results: correctness of the harness, never timings.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAmqpAdmin } from '../src/amqp/admin.js';
import type { AmqpAdmin } from '../src/amqp/admin.js';
import { openCeleryNodeProducer, openCelerityProducer } from '../src/amqp/producers.js';
import { openRawPublisher } from '../src/amqp/raw.js';
import { createBenchVhost } from '../src/amqp/vhost.js';
import type { BenchVhost } from '../src/amqp/vhost.js';
import { AMQP_URL_ENV } from '../src/amqp/workers/env.js';
import { startRedisServer } from '@celerity/testing/redis';
import type { RedisServer } from '@celerity/testing/redis';
import { countKeys } from '../src/system.js';
import { startWorkerProcess } from '../src/worker-process.js';

const queue = 'bench';
let vhost: BenchVhost;
let admin: AmqpAdmin;
let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  vhost = await createBenchVhost();
  admin = await openAmqpAdmin(vhost.url, queue);
  server = await startRedisServer();
  redis = new Redis(server.url);
  // Worker children inherit the environment: this is how they find the vhost.
  process.env[AMQP_URL_ENV] = vhost.url;
});

afterAll(async () => {
  delete process.env[AMQP_URL_ENV];
  redis?.disconnect();
  await server?.stop();
  await admin?.close();
  await vhost?.close();
});

describe('RabbitMQ producers', () => {
  it.each([
    ['raw amqplib', () => openRawPublisher(vhost.url, queue)],
    ['raw amqplib, minimal', () => openRawPublisher(vhost.url, queue, true)],
    ['celerity', () => openCelerityProducer(vhost.url, queue)],
  ] as const)('%s: every confirmed publish is in the queue', async (_, open) => {
    await admin.resetQueue();
    const producer = await open();
    try {
      await producer.publishOne(5);
      await producer.publishBulk!(250, 100);
    } finally {
      await producer.close();
    }
    expect(await admin.ready()).toBe(255);
  });

  it('celery-node: sends one at a time', async () => {
    await admin.resetQueue();
    const producer = await openCeleryNodeProducer(vhost.url, server.url, queue);
    try {
      await producer.publishOne(3);
    } finally {
      await producer.close();
    }
    await admin.waitReady(3);
  });
});

describe.each([
  ['raw-amqplib.ts', 'raw'],
  ['celerity.ts', 'celerity'],
  ['celery-node.ts', 'celerity'],
] as const)('worker %s', (module, fill) => {
  it('drains a filled queue in a child process', async () => {
    await admin.resetQueue();
    await redis.flushall();
    const producer = fill === 'raw' ? await openRawPublisher(vhost.url, queue) : await openCelerityProducer(vhost.url, queue);
    await producer.publishBulk!(300, 100);
    await producer.close();
    await using worker = await startWorkerProcess(`../amqp/workers/${module}`);
    const run = await worker.run({ redisUrl: server.url, queue, concurrency: 10, expect: 300 });
    expect(run.processed).toBeGreaterThanOrEqual(300);
    expect(await admin.ready()).toBe(0);
    if (module === 'celery-node.ts') expect(await countKeys(redis, 'celery-task-meta-*')).toBe(300);
  });
});
