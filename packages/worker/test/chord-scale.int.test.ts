// A chord of 10,000 header tasks on Redis and on RabbitMQ (Redis results): the body runs exactly once,
// with all 10,000 results in header order, and the result API reads the whole graph back.
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '@celerity/core';
import { chord, defineTask } from '@celerity/core';
import { createRedisBroker } from '@celerity/broker-redis';
import { createAmqpBroker } from '@celerity/broker-amqp';
import type { AsyncResult, Client } from '@celerity/client';
import { GroupResult, createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const SIZE = 10_000;
const env = useRedisAndRabbit();
let bodyRuns = 0;
const add = defineTask({ name: 'scale.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const check = defineTask({ name: 'scale.check', params: ['values'] }, (values: number[]) => {
  bodyRuns++;
  return { count: values.length, ordered: values.every((v, i) => v === 2 * i) };
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(makeBroker: () => Broker): Promise<Client> {
  const queue = `scale-${crypto.randomUUID()}`;
  const worker: Worker = createWorker({ broker: makeBroker(), backend: env.backend(), tasks: [add, check], queues: [queue], concurrency: 50, hostname: 'scale@test' });
  await worker.start();
  closers.push(async () => {
    await worker.stop();
    await worker.broker.close();
    await worker.backend?.close();
  });
  const client = createClient({ broker: makeBroker(), backend: env.backend(), defaultQueue: queue });
  closers.push(async () => {
    await client.close();
    await client.broker.close();
    await client.backend?.close();
  });
  return client;
}

describe(`a chord of ${SIZE} header tasks`, () => {
  it.each([
    ['redis', () => createRedisBroker({ url: REDIS_URL, keyPrefix: env.prefix })],
    ['amqp', () => createAmqpBroker({ url: env.vhostUrl })],
  ] as const)('on %s: the body runs once with every result in header order', async (_kind, makeBroker) => {
    bodyRuns = 0;
    const client = await start(makeBroker);
    const body = (await client.apply(chord(Array.from({ length: SIZE }, (_, i) => add.s(i, i)), check.s()))) as AsyncResult;
    expect(await body.get({ timeout: 240 })).toEqual({ count: SIZE, ordered: true });
    expect(bodyRuns).toBe(1);
    const header = body.parent as GroupResult;
    expect(header).toBeInstanceOf(GroupResult);
    expect(await header.completedCount()).toBe(SIZE);
  }, 300_000);
});
