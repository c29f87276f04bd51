// Automatic retries through a real worker on memory, Redis and RabbitMQ: the RETRY state stored
// between runs with its exception in Celery's format, SUCCESS after it, FAILURE with the original
// exception once maxRetries are used up, and a message's `retries` header counted against them.
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, ResultMeta, TaskContext } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { deleteKeys, randomSuffix, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { Redis } from 'ioredis';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const json = createJsonSerializer();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

class FlakyError extends Error {
  override name = 'FlakyError';
}
const runs = new Map<string, number>();
// Fails while ctx.retries < fails; 0.4 s between runs leaves time to read the RETRY state.
const flaky = defineTask({ name: 'retry.flaky', params: ['fails'], autoretryFor: [FlakyError], defaultRetryDelay: 0.4, maxRetries: 2 }, (fails: number, ctx: TaskContext) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
  if (ctx.retries < fails) throw new FlakyError(`attempt ${ctx.retries}`);
  return ctx.retries;
});

interface Setup {
  broker: () => Broker;
  backend: () => ResultBackend;
}

async function redisSetup(): Promise<Setup> {
  const prefix = `celerity-test-retry-${randomSuffix()}:`;
  const raw = new Redis(REDIS_URL);
  cleanups.push(async () => {
    await deleteKeys(raw, `${prefix}*`);
    await raw.quit();
  });
  return { broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), backend: () => createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }) };
}

async function amqpSetup(): Promise<Setup> {
  const vhost = await createTestVhost();
  cleanups.push(() => vhost.dispose());
  const redis = await redisSetup();
  return { broker: () => createAmqpBroker({ url: vhost.url }), backend: redis.backend };
}

function memorySetup(): Setup {
  const name = `retry-${randomSuffix()}`;
  return { broker: () => createMemoryBroker({ name }), backend: () => createMemoryBackend({ name }) };
}

const setups: Array<[string, () => Promise<Setup> | Setup]> = [
  ['memory', memorySetup],
  ['Redis', redisSetup],
  ['RabbitMQ', amqpSetup],
];

describe.each(setups)('automatic retries on %s', (_label, make) => {
  it('stores RETRY with the exception between runs, then SUCCESS; FAILURE with the original error once retries are used up; the retries header counts', { timeout: 30_000 }, async () => {
    const setup = await make();
    const producer = setup.broker();
    const results = setup.backend();
    cleanups.push(() => producer.close(), () => results.close());
    await producer.declareQueue('celery');
    const worker = createWorker({ broker: setup.broker(), backend: setup.backend(), tasks: [flaky] });
    cleanups.push(() => worker.stop({ force: true }));
    await worker.start();

    const send = async (fails: number, retries = 0): Promise<string> => {
      const id = crypto.randomUUID();
      await producer.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'retry.flaky', id, args: [fails], retries }, { serializer: json }));
      return id;
    };
    const meta = async (id: string): Promise<ResultMeta | null> => results.get(id);

    // Fails once, then succeeds. A JavaScript error's module is reported as 'celerity' (Celery's exc_module).
    const once = await send(1);
    let retry: ResultMeta | null = null;
    await waitFor(async () => (retry = await meta(once))?.status === 'RETRY', { timeout: 10_000, message: 'RETRY stored' });
    expect(retry!.result).toEqual({ exc_type: 'FlakyError', exc_message: ['attempt 0'], exc_module: 'celerity' });
    expect(retry!.traceback).toMatch(/FlakyError: attempt 0/);
    await waitFor(async () => (await meta(once))?.status === 'SUCCESS', { timeout: 10_000, message: 'SUCCESS stored' });
    expect((await meta(once))!.result).toBe(1);
    expect(runs.get(once)).toBe(2);

    // Always fails: three runs (maxRetries 2), then FAILURE with the last FlakyError itself.
    const always = await send(9);
    await waitFor(async () => (await meta(always))?.status === 'FAILURE', { timeout: 10_000, message: 'FAILURE stored' });
    const failed = (await meta(always))!;
    expect(failed.result).toEqual({ exc_type: 'FlakyError', exc_message: ['attempt 2'], exc_module: 'celerity' });
    expect(failed.traceback).toMatch(/FlakyError: attempt 2/);
    expect(runs.get(always)).toBe(3);

    // A message that already carries retries: 2 (a Python worker retried it twice) has none left.
    const late = await send(9, 2);
    await waitFor(async () => (await meta(late))?.status === 'FAILURE', { timeout: 10_000, message: 'FAILURE stored' });
    expect(runs.get(late)).toBe(1);
  });
});
