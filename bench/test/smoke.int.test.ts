/** Runs real systems end to end on a private Redis: correctness of the harness, never timings. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '@celerity/testing/redis';
import type { RedisServer } from '@celerity/testing/redis';
import { keyspaceBytes } from '../src/redis-stats.js';
import { SYSTEMS } from '../src/systems/index.js';
import { startWorkerProcess } from '../src/worker-process.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe.each(SYSTEMS.filter((s) => ['raw-ioredis', 'raw-ioredis-x100', 'celerity', 'bullmq', 'bee-queue'].includes(s.name)))('$name', (system) => {
  const target = () => ({ redisUrl: server.url, queue: 'bench' });

  it('processes pre-enqueued jobs in a child process and keeps every result', async () => {
    await redis.flushall();
    const producer = await system.openProducer(target());
    await producer.enqueueBulk(250, 100);
    await producer.close();
    expect(await keyspaceBytes(redis)).toBeGreaterThan(0);
    await using worker = await startWorkerProcess(system.workerModule);
    const run = await worker.run({ redisUrl: server.url, queue: 'bench', concurrency: 10, expect: 250 });
    expect(run.processed).toBeGreaterThanOrEqual(250);
    expect(await system.countResults(redis, target())).toBe(250);
    expect(await worker.peakRss()).toBeGreaterThan(10 * 2 ** 20);
  });

  it('answers round trips with the right sums', async () => {
    await redis.flushall();
    await using worker = await startWorkerProcess(system.workerModule);
    await worker.serve({ redisUrl: server.url, queue: 'bench', concurrency: 2 });
    const producer = await system.openProducer(target());
    try {
      for (const x of [1, 20, 300]) expect(await producer.roundTrip(x, 2)).toBe(x + 2);
    } finally {
      await producer.close();
      await worker.stopServing();
    }
  });
});
