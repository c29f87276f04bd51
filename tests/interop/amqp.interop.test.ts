/**
 * Celerity and real Python Celery (5.2 and 5.5) sharing one RabbitMQ (a vhost of this file's own),
 * results in Redis, JSON and msgpack bodies: Python client → TypeScript worker, TypeScript client →
 * Python worker, both workers on one queue (every task exactly once), priority (`x-max-priority`
 * declared alike on both sides) and countdown honoured across; and the `rpc://` result backend in
 * both directions, with no Redis for results. On a node that refuses transient non-exclusive queues
 * as RabbitMQ 4.3 does (the version matrix's 4.0 node), stock Celery 5.2 / 5.5 cannot declare their
 * pidbox and `rpc://` reply queues (celery/celery#10290 and celery/kombu#2531 make them exclusive):
 * there the Python workers run without remote control and the Python client's `rpc://` test is skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, Serializer } from '@celerity/core';
import { TaskError } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createAmqpBroker, createRpcBackend } from '@celerity/broker-amqp';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import { createMsgpackSerializer } from '@celerity/serializer-msgpack';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, sendFromPython, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost, deniesTransientQueues } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();
const msgpack = createMsgpackSerializer();
type SerializerName = 'json' | 'msgpack';
// On RabbitMQ a higher number is served first, and only on queues declared with x-max-priority.
const MAX_PRIORITY = 10;

const RICH_JSON = '{"unicode": "h\\u00e9llo \\u2603 \\ud83d\\ude00", "nested": {"a": [1, 2.5, null, true, false, [], {}]}, "int_big": 9007199254740993, "neg": -7, "large": "' + 'x'.repeat(50_000) + '"}';
const RICH = { unicode: 'héllo ☃ 😀', nested: { a: [1, 2.5, null, true, false, [], {}] }, neg: -7, large: 'x'.repeat(50_000) };

let rabbit: RabbitVhost | undefined;
let transientDenied: boolean | undefined;
const vhost = async (): Promise<RabbitVhost> => (rabbit ??= await createRabbitVhost());
const deniesTransient = async (): Promise<boolean> => (transientDenied ??= await deniesTransientQueues((await vhost()).url));
afterAll(async () => {
  await rabbit?.cleanup();
}, 60_000);

function matrix(version: PythonCeleryVersion, serializerName: SerializerName): void {
  const serializers: Serializer[] = serializerName === 'msgpack' ? [msgpack] : [];
  let redis: RedisScratch;
  let amqpUrl: string;
  let env: Record<string, string>;
  let client: Client;
  let clientBroker: Broker;
  const q: Record<'ts' | 'py' | 'shared' | 'prioTs' | 'prioPy' | 'rpcTs' | 'rpcPy', string> = { ts: '', py: '', shared: '', prioTs: '', prioPy: '', rpcTs: '', rpcPy: '' };
  const closers: Array<() => Promise<unknown>> = [];

  const tsWorkerOn = async (queue: string, options: { concurrency?: number; prefetch?: number; rpc?: boolean } = {}): Promise<Worker> => {
    const broker = createAmqpBroker({ url: amqpUrl, connectionName: `ts-${queue}` });
    const worker = createWorker({
      broker,
      // The priority queue is declared with x-max-priority, as the Python side declares it.
      ...(queue === q.prioTs ? { queueOptions: { [queue]: { maxPriority: MAX_PRIORITY } } } : {}),
      // rpc:// shares the broker's connection and learns each task's reply_to from it.
      backend: options.rpc ? createRpcBackend({ broker }) : createRedisBackend({ url: redis.url }),
      tasks: interopTasks,
      queues: [queue],
      serializers,
      hostname: `ts-${queue}@celerity`,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.prefetch !== undefined ? { prefetch: options.prefetch } : {}),
    });
    await worker.start();
    closers.push(async () => {
      await worker.stop();
      await worker.backend?.close();
      await broker.close();
    });
    return worker;
  };
  const pyWorker = async (queues: string[], extra: Record<string, string> = {}): Promise<PythonWorker> => {
    const worker = await startPythonWorker({ version, env: { ...env, QUEUE: queues[0]!, ...extra }, queues });
    closers.push(() => worker.stop());
    return worker;
  };

  beforeAll(async () => {
    redis = await createRedisScratch();
    amqpUrl = (await vhost()).url;
    for (const key of Object.keys(q) as Array<keyof typeof q>) q[key] = redis.name(`${serializerName}-${key}`);
    env = { BROKER_URL: amqpUrl, RESULT_BACKEND: redis.url, SERIALIZER: serializerName, RECORD_URL: redis.url, ...((await deniesTransient()) ? { REMOTE_CONTROL: '0' } : {}) };
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
    clientBroker = createAmqpBroker({ url: amqpUrl, connectionName: 'ts-client' });
    client = createClient({
      broker: clientBroker,
      backend: createRedisBackend({ url: redis.url }),
      serializer: serializerName,
      serializers,
      queues: { [q.prioPy]: { maxPriority: MAX_PRIORITY } },
    });
    await tsWorkerOn(q.ts);
    await tsWorkerOn(q.shared, { concurrency: 2, prefetch: 2 });
    // One Python worker serves its own queue and the shared one, so it is started only once.
    await pyWorker([q.py, q.shared]);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await client?.backend?.close();
    await clientBroker?.close();
    for (const close of closers.reverse()) await close().catch(() => {});
    await interopTasks.closeInteropTasks();
    await redis?.cleanup();
  }, 60_000);

  it('Python client → TypeScript worker: values and failures', async () => {
    const send = (task: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
      sendFromPython(version, task, args, { queue: q.ts, serializer: serializerName, kwargs }, env);
    expect(await send('tasks.add', [2], { y: 3 })).toMatchObject({ state: 'SUCCESS', result: 5 });
    expect(await send('tasks.fail', ['boom ☃'])).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'boom ☃' });
    const rich = await runPythonClient(version, ['send', 'tasks.echo', `[${RICH_JSON}]`, '{}', '--queue', q.ts, '--serializer', serializerName], env);
    expect(rich).toMatchObject({ state: 'SUCCESS', result: RICH });
    // The big integer must come back exact: read the stored result text itself.
    expect(await redis.client.get(`celery-task-meta-${rich.id}`)).toContain('"int_big": 9007199254740993');
  });

  it('TypeScript client → Python worker: values and TaskError', async () => {
    const add = client.task<[x: number, y: number], number>('tasks.add');
    expect(await (await add.applyAsync([2, 3], { queue: q.py })).get({ timeout: 30 })).toBe(5);
    const echoed = (await (await client.send('tasks.echo', [{ ...RICH, int_big: 9007199254740993n }], { queue: q.py })).get({ timeout: 30 })) as Record<string, unknown>;
    expect(echoed).toMatchObject(RICH);
    expect(echoed['int_big']).toBe(9007199254740993n);
    const failed = await (await client.send('tasks.fail', ['boom ☃'], { queue: q.py })).get({ timeout: 30 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TaskError);
    expect(failed).toMatchObject({ excType: 'ValueError', excMessage: ['boom ☃'], state: 'FAILURE' });
  });

  it('a Python and a TypeScript worker on one queue run every task exactly once', async () => {
    const key = `records-${q.shared}`;
    interopTasks.configureInteropTasks({ recordUrl: redis.url, recordKey: key });
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const results = await client.sendMany(tags.map((tag) => ({ task: 'tasks.record', args: [tag], options: { queue: q.shared } })));
    expect(await Promise.all(results.map((r) => r.get({ timeout: 60 })))).toEqual(tags);
    // The Python worker appends to its own RECORD_KEY (the default one).
    const records = [...(await redis.records(key)), ...(await redis.records())].filter((r) => tags.includes(r.tag));
    expect(records.map((r) => r.tag).sort()).toEqual([...tags].sort());
    expect(new Set(records.map((r) => r.lang))).toEqual(new Set(['py', 'ts']));
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
  });

  it('priority and countdown sent from Python are honoured by the TypeScript worker', async () => {
    const key = `records-${q.prioTs}`;
    interopTasks.configureInteropTasks({ recordUrl: redis.url, recordKey: key });
    const prioEnv = { ...env, MAX_PRIORITY: String(MAX_PRIORITY) };
    for (const tag of ['low1', 'low2', 'low3']) await sendFromPython(version, 'tasks.record', [tag], { queue: q.prioTs, priority: 1, noWait: true, serializer: serializerName }, prioEnv);
    await sendFromPython(version, 'tasks.record', ['high'], { queue: q.prioTs, priority: 9, noWait: true, serializer: serializerName }, prioEnv);
    await tsWorkerOn(q.prioTs, { concurrency: 1, prefetch: 1 });
    const sent = Date.now();
    const delayed = await sendFromPython(version, 'tasks.add', [1, 1], { queue: q.prioTs, countdown: 2, serializer: serializerName }, prioEnv);
    expect(delayed).toMatchObject({ state: 'SUCCESS', result: 2 });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1900);
    const order = (await redis.records(key)).map((r) => r.tag);
    expect(order[0]).toBe('high');
    expect([...order].sort()).toEqual(['high', 'low1', 'low2', 'low3']);
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
  });

  it('priority and countdown sent from TypeScript are honoured by the Python worker', async () => {
    const before = (await redis.records()).length;
    for (const tag of ['low1', 'low2', 'low3']) await client.send('tasks.record', [tag], { queue: q.prioPy, priority: 1 });
    await client.send('tasks.record', ['high'], { queue: q.prioPy, priority: 9 });
    await pyWorker([q.prioPy], { MAX_PRIORITY: String(MAX_PRIORITY) });
    const sent = Date.now();
    const delayed = await client.send<[number, number], number>('tasks.add', [20, 22], { queue: q.prioPy, countdown: 2 });
    expect(await delayed.get({ timeout: 30 })).toBe(42);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1900);
    const order = (await redis.records()).slice(before).map((r) => r.tag);
    expect(order[0]).toBe('high');
    expect([...order].sort()).toEqual(['high', 'low1', 'low2', 'low3']);
  });

  it('rpc://: a Python client gets results from a TypeScript worker that replies over RabbitMQ', async (test) => {
    if (transientDenied) test.skip(`Celery ${version}'s rpc:// reply queue is transient and non-exclusive, which this RabbitMQ refuses`);
    await tsWorkerOn(q.rpcTs, { rpc: true });
    const rpcEnv = { ...env, RESULT_BACKEND: 'rpc://' };
    expect(await sendFromPython(version, 'tasks.add', [20], { queue: q.rpcTs, kwargs: { y: 1 }, serializer: serializerName }, rpcEnv)).toMatchObject({ state: 'SUCCESS', result: 21 });
    const failed = await sendFromPython(version, 'tasks.fail', ['rpc ☃'], { queue: q.rpcTs, serializer: serializerName }, rpcEnv);
    expect(failed).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'rpc ☃' });
  });

  it('rpc://: a TypeScript client gets results from a Python worker that replies over RabbitMQ', async () => {
    await pyWorker([q.rpcPy], { RESULT_BACKEND: 'rpc://' });
    const broker = createAmqpBroker({ url: amqpUrl, connectionName: 'ts-rpc-client' });
    await using rpcClient = createClient({ broker, backend: createRpcBackend({ broker }), serializer: serializerName, serializers });
    try {
      const results = await rpcClient.sendMany([1, 2, 3].map((n) => ({ task: 'tasks.add', args: [n, n], options: { queue: q.rpcPy } })));
      expect(await Promise.all(results.map((r) => r.get({ timeout: 30 })))).toEqual([2, 4, 6]);
      const failed = await (await rpcClient.send('tasks.fail', ['rpc ☃'], { queue: q.rpcPy })).get({ timeout: 30 }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ excType: 'ValueError', excMessage: ['rpc ☃'], state: 'FAILURE' });
    } finally {
      await rpcClient.backend?.close();
      await broker.close();
    }
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const serializer of ['json', 'msgpack'] as const) {
    if (isAvailable(entry)) describe(`Python Celery ${entry.celery} ↔ Celerity on RabbitMQ (${serializer})`, () => matrix(version, serializer));
    else describe.skip(`Python Celery ${version} ↔ Celerity on RabbitMQ (${serializer}): ${entry.unavailable}`, () => matrix(version, serializer));
  }
}
