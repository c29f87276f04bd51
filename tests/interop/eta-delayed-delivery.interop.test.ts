/**
 * Celery 5.5's native delayed delivery (`celery_delayed_*`) shared by Celerity and Python Celery on
 * one RabbitMQ vhost, results and records in Redis:
 * - a far-ETA task a Celerity worker handed to the delay queues (`etaHoldLimit`) comes back to its
 *   queue by RabbitMQ's dead-lettering (so with `x-death` headers, a `celery_delayed_*` exchange and
 *   the delay routing key), and a Python worker (5.2 and 5.5) started after the Celerity worker
 *   stopped runs it exactly once. On 5.5 both sides use a
 *   quorum queue, so the Python worker also declares the topology Celerity declared (no 406);
 * - 5.5 only (5.2 has no native delayed delivery): a countdown task a Python client sends through
 *   `celery_delayed_27` (quorum queue, topic exchange) reaches a Celerity worker, which runs it once,
 *   not before its ETA.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import type { LogFields, Logger } from '@celerity/core';
import { silentLogger } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createAmqpBroker, type AmqpBroker } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, sendFromPython, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();
const DELAY_LEVELS = 28;

function suite(version: PythonCeleryVersion): void {
  let rabbit: RabbitVhost;
  let redis: RedisScratch;
  /** Sizes queues and takes part in nothing else. */
  let admin: AmqpBroker;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    rabbit = await createRabbitVhost();
    redis = await createRedisScratch();
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
    admin = createAmqpBroker({ url: rabbit.url, connectionName: 'ts-admin' });
  }, 60_000);

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  }, 60_000);

  afterAll(async () => {
    await admin?.close();
    await interopTasks.closeInteropTasks();
    await redis?.cleanup();
    await rabbit?.cleanup();
  }, 60_000);

  /** Messages waiting in the delay levels. */
  const delayed = async (): Promise<number> => {
    let total = 0;
    for (let level = 0; level < DELAY_LEVELS; level++) total += await admin.size(`celery_delayed_${level}`);
    return total;
  };

  const tsWorker = (queue: string, options: { quorum: boolean; etaHoldLimit?: number; logger?: Logger }): Worker => {
    const broker = createAmqpBroker({ url: rabbit.url, connectionName: `ts-${queue}` });
    const worker = createWorker({
      broker,
      backend: createRedisBackend({ url: redis.url }),
      tasks: interopTasks,
      queues: [queue],
      ...(options.quorum ? { queueOptions: { [queue]: { queueType: 'quorum' as const } } } : {}),
      ...(options.etaHoldLimit !== undefined ? { etaHoldLimit: options.etaHoldLimit } : {}),
      hostname: `ts-${queue}@celerity`,
      logger: options.logger ?? silentLogger,
    });
    closers.push(async () => {
      await worker.stop();
      await worker.backend?.close();
      await broker.close();
    });
    return worker;
  };

  it('a far-ETA task a Celerity worker handed to the delay queues is run once by a Python worker', { timeout: 60_000 }, async () => {
    // Celery 5.2 declares classic queues only; on 5.5 the queue is a quorum queue on both sides.
    const quorum = version === '5.5';
    const queue = redis.name('handoff');
    const handedOff: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      debug(message: string, _fields?: LogFields) {
        if (/handed to the broker for/.test(message)) handedOff.push(message);
      },
    };
    const worker = tsWorker(queue, { quorum, etaHoldLimit: 1, logger });
    await worker.start();
    const clientBroker = createAmqpBroker({ url: rabbit.url, connectionName: 'ts-client' });
    const client = createClient({ broker: clientBroker, backend: createRedisBackend({ url: redis.url }), declareQueues: false });
    closers.push(async () => {
      await client.close();
      await client.backend?.close();
      await clientBroker.close();
    });
    const tag = `handoff-${version}`;
    const result = await client.send('tasks.record', [tag], { queue, countdown: 6 });
    await waitFor(() => handedOff.length === 1, { timeout: 10_000, interval: 50, message: 'the hand-off to the delay queues' });
    await worker.stop();
    expect(await delayed()).toBe(1);
    expect(await admin.size(queue)).toBe(0);

    const env = { BROKER_URL: rabbit.url, RESULT_BACKEND: redis.url, RECORD_URL: redis.url, QUEUE: queue, ...(quorum ? { QUEUE_TYPE: 'quorum' } : {}) };
    const python: PythonWorker = await startPythonWorker({ version, env, queues: [queue] });
    closers.push(() => python.stop());
    expect(await result.get({ timeout: 30 })).toBe(tag);
    expect(python.logs()).not.toMatch(/Failed to (setup|declare)/);
    const runs = (await redis.records()).filter((entry) => entry.tag === tag);
    expect(runs).toEqual([expect.objectContaining({ id: result.id, lang: 'py' })]);
    expect(await admin.size(queue)).toBe(0);
    expect(await delayed()).toBe(0);
  });

  const native = version === '5.5' ? it : it.skip;
  native('a countdown task a Python 5.5 client sends through celery_delayed_27 is run once by a Celerity worker, not before its ETA', { timeout: 60_000 }, async () => {
    const queue = redis.name('native');
    const worker = tsWorker(queue, { quorum: true });
    // Consuming the quorum queue declares the topology and binds the queue, as a Python 5.5 worker does.
    await worker.start();
    const env = { BROKER_URL: rabbit.url, RESULT_BACKEND: redis.url, QUEUE: queue, QUEUE_TYPE: 'quorum', EXCHANGE_TYPE: 'topic' };
    const tag = 'native-5.5';
    // Python turns the ETA into whole seconds of delay when it sends: leave room for its start-up.
    const eta = new Date(Date.now() + 8000);
    const { id } = await sendFromPython(version, 'tasks.record', [tag], { queue, eta, noWait: true }, env);
    if (id === undefined) throw new Error('the Python client printed no task id');
    // Sent through the delay levels, not straight to the queue.
    expect(await delayed()).toBe(1);
    expect(await admin.size(queue)).toBe(0);

    const backend = createRedisBackend({ url: redis.url });
    closers.push(() => backend.close());
    const meta = await backend.wait(id, { timeout: 30 });
    expect(meta).toMatchObject({ status: 'SUCCESS', result: tag });
    expect(new Date(String(meta.date_done)).getTime()).toBeGreaterThanOrEqual(eta.getTime());
    const runs = (await redis.records()).filter((entry) => entry.tag === tag);
    expect(runs).toEqual([expect.objectContaining({ id, lang: 'ts' })]);
    expect(await admin.size(queue)).toBe(0);
    expect(await delayed()).toBe(0);
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`native delayed delivery: Python Celery ${entry.celery} ↔ Celerity on RabbitMQ`, () => suite(version));
  else describe.skip(`native delayed delivery: Python Celery ${version} ↔ Celerity on RabbitMQ: ${entry.unavailable}`, () => suite(version));
}
