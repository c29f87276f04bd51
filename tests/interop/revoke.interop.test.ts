/**
 * Revoke and ping between Python Celery (5.2, 5.5) and Celerity, on Redis and on RabbitMQ (results
 * in Redis): Python's `app.control.revoke` (plain, before the ETA, terminate) and `ping` reaching a
 * Celerity worker, Celerity's `client.revoke` / `control.ping` reaching Python workers, and a revoke
 * kept by the broker for a Celerity worker started after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import type { Broker } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, sendFromPython, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';
import { closeClient, closeWorker } from './harness/closing.js';

const status = pythonCeleryStatus();

type Transport = 'redis' | 'amqp';
/** The worker's log line for a task it took (`Task name[id] received` in 5.x, `Received task: …` before). */
const received = (name: string, id: string): RegExp => new RegExp(`Task ${name}\\[${id}\\] received|Received task: ${name}\\[${id}\\]`);
const REVOKED = { exc_type: 'TaskRevokedError', exc_module: 'celery.exceptions' };

function matrix(version: PythonCeleryVersion, transport: Transport): void {
  let redis: RedisScratch;
  let rabbit: RabbitVhost | undefined;
  let brokerUrl: string;
  let env: Record<string, string>;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;
  let client: Client;
  let tsQueue: string;
  let pyQueue: string;
  const closers: Array<() => Promise<unknown>> = [];
  const newBroker = (): Broker => (transport === 'redis' ? createRedisBroker({ url: brokerUrl }) : createAmqpBroker({ url: brokerUrl }));
  const meta = async (id: string, timeout = 20) => {
    const backend = client.backend!;
    return backend.wait(id, { timeout });
  };

  beforeAll(async () => {
    redis = await createRedisScratch();
    if (transport === 'amqp') rabbit = await createRabbitVhost();
    brokerUrl = rabbit?.url ?? redis.url;
    tsQueue = redis.name('ts');
    pyQueue = redis.name('py');
    env = { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url };
    tsWorker = createWorker({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [tsQueue], concurrency: 2, hostname: `ts-${tsQueue}@celerity` });
    await tsWorker.start();
    closers.push(() => closeWorker(tsWorker));
    // Prefork with two children: terminate needs a pool that can kill a child.
    pyWorker = await startPythonWorker({ version, env: { ...env, QUEUE: pyQueue }, queues: [pyQueue], concurrency: 2, pool: 'prefork' });
    client = createClient({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }) });
    await client.broker.declareQueue(pyQueue);
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    for (const close of closers.reverse()) await close().catch(() => {});
    await pyWorker?.stop();
    await redis?.cleanup();
    await rabbit?.cleanup();
  }, 60_000);

  it('Python app.control.ping() is answered by the Celerity worker', async () => {
    const out = await runPythonClient(version, ['ping', '--timeout', '2'], env);
    expect(out['replies']).toContainEqual({ [tsWorker.hostname]: { ok: 'pong' } });
  });

  it('Python revoke (plain): the Celerity worker skips the task and stores REVOKED', async () => {
    const id = crypto.randomUUID();
    await runPythonClient(version, ['revoke', id], env);
    await waitFor(() => tsWorker.revoked.has(id), { timeout: 10_000, interval: 20, message: 'the revoke received' });
    await sendFromPython(version, 'tasks.add', [1, 2], { queue: tsQueue, taskId: id, noWait: true }, env);
    expect(await meta(id)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['revoked'] } });
  });

  it('Python revoke before the ETA: the held task never runs', async () => {
    const sent = await sendFromPython(version, 'tasks.add', [1, 2], { queue: tsQueue, countdown: 60, noWait: true }, env);
    const id = sent.id as string;
    await waitFor(() => tsWorker.stats.scheduled === 1, { timeout: 10_000, interval: 20, message: 'the ETA task held' });
    await runPythonClient(version, ['revoke', id], env);
    expect(await meta(id)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['revoked'] } });
    expect(tsWorker.stats.scheduled).toBe(0);
  });

  it('Python revoke with terminate: the running async task is aborted, REVOKED terminated', async () => {
    const sent = await sendFromPython(version, 'tasks.sleep', [60], { queue: tsQueue, noWait: true }, env);
    const id = sent.id as string;
    await waitFor(() => tsWorker.stats.active === 1, { timeout: 10_000, interval: 20, message: 'the task running' });
    await runPythonClient(version, ['revoke', id, '--terminate'], env);
    expect(await meta(id)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['terminated'] } });
  });

  it('durable: a task sent from Python and revoked while no Celerity worker ran is skipped by one started later', async () => {
    const queue = redis.name('durable');
    const sent = await sendFromPython(version, 'tasks.add', [1, 2], { queue, noWait: true }, env);
    const id = sent.id as string;
    await client.revoke(id);
    const late = createWorker({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [queue], hostname: `late-${queue}@celerity` });
    closers.push(async () => {
      await late.stop({ force: true });
      await late.broker.close();
      await late.backend?.close();
    });
    await late.start();
    expect(await meta(id)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['revoked'] } });
  });

  it('Celerity control.ping() is answered by the Python worker', async () => {
    const replies = await client.control.ping({ timeout: 2 });
    expect(replies).toContainEqual({ [pyWorker.nodeName]: { ok: 'pong' } });
  });

  it('Celerity revoke (plain) reaches the Python worker', async () => {
    const id = crypto.randomUUID();
    await client.revoke(id);
    // Give the broadcast time to reach the Python worker before the task does.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await client.send('tasks.add', [1, 2], { queue: pyQueue, taskId: id });
    expect(await meta(id)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['revoked'] } });
  });

  it('Celerity revoke before the ETA reaches the Python worker (REVOKED stored when due)', { timeout: 60_000 }, async () => {
    const result = await client.send('tasks.add', [1, 2], { queue: pyQueue, countdown: 4 });
    await pyWorker.waitForLog(received('tasks.add', result.id), { timeout: 10_000 });
    await result.revoke();
    expect(await meta(result.id, 30)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['revoked'] } });
  });

  it('Celerity revoke with terminate kills the running task of a prefork Python worker', { timeout: 60_000 }, async () => {
    const result = await client.send('tasks.sleep', [60], { queue: pyQueue });
    await pyWorker.waitForLog(received('tasks.sleep', result.id), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await result.revoke({ terminate: true });
    expect(await meta(result.id, 30)).toMatchObject({ status: 'REVOKED', result: { ...REVOKED, exc_message: ['terminated'] } });
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const transport of ['redis', 'amqp'] as const) {
    if (isAvailable(entry)) describe(`revoke: Python Celery ${entry.celery} ↔ Celerity on ${transport}`, () => matrix(version, transport));
    else describe.skip(`revoke: Python Celery ${version} ↔ Celerity on ${transport}: ${entry.unavailable}`, () => matrix(version, transport));
  }
}
