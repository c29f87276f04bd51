/**
 * Celerity and real Python Celery (5.2 and 5.5) sharing one Redis broker and result backend, with
 * JSON and msgpack bodies: Python client → TypeScript worker, TypeScript client → Python worker,
 * both workers on one queue (every task exactly once), priority and countdown honoured across.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Serializer } from '@celerity/core';
import { TaskError } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import { createMsgpackSerializer } from '@celerity/serializer-msgpack';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, sendFromPython, startPythonWorker } from './harness/python.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';
import { waitFor } from '@celerity/testing';
import { closeClient } from './harness/closing.js';

const status = pythonCeleryStatus();
const msgpack = createMsgpackSerializer();
type SerializerName = 'json' | 'msgpack';

// Nested unicode (astral too), big and negative numbers, null, booleans, floats, a large string.
const RICH_JSON =
  '{"unicode": "h\\u00e9llo w\\u00f6rld \\u2603 \\ud83d\\ude00", "nested": {"a": [1, 2.5, null, true, false, [], {}], "b": {"c": {"d": "e"}}}, ' +
  `"int_big": 9007199254740993, "neg": -7, "float": 0.1, "empty": "", "none": null, "large": "${'x'.repeat(100_000)}"}`;
const RICH = {
  unicode: 'héllo wörld ☃ 😀',
  nested: { a: [1, 2.5, null, true, false, [], {}], b: { c: { d: 'e' } } },
  neg: -7,
  float: 0.1,
  empty: '',
  none: null,
  large: 'x'.repeat(100_000),
};

function matrix(version: PythonCeleryVersion, serializerName: SerializerName): void {
  const serializers: Serializer[] = serializerName === 'msgpack' ? [msgpack] : [];
  let redis: RedisScratch;
  let env: Record<string, string>;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;
  let client: Client;
  let tsQueue: string;
  let pyQueue: string;
  const closers: Array<() => Promise<unknown>> = [];

  const tsWorkerOn = async (queues: string[], options: { concurrency?: number; prefetch?: number } = {}): Promise<Worker> => {
    const worker = createWorker({
      broker: createRedisBroker({ url: redis.url }),
      backend: createRedisBackend({ url: redis.url }),
      tasks: interopTasks,
      queues,
      serializers,
      hostname: `ts-${queues[0]}@celerity`,
      ...options,
    });
    await worker.start();
    closers.push(async () => {
      await worker.stop();
      await worker.broker.close();
      await worker.backend?.close();
    });
    return worker;
  };

  beforeAll(async () => {
    redis = await createRedisScratch();
    tsQueue = redis.name('ts');
    pyQueue = redis.name('py');
    env = { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, SERIALIZER: serializerName, RECORD_URL: redis.url };
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
    tsWorker = await tsWorkerOn([tsQueue]);
    pyWorker = await startPythonWorker({ version, env: { ...env, QUEUE: pyQueue }, queues: [pyQueue] });
    client = createClient({
      broker: createRedisBroker({ url: redis.url }),
      backend: createRedisBackend({ url: redis.url }),
      serializer: serializerName,
      serializers,
    });
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    for (const close of closers.reverse()) await close().catch(() => {});
    await pyWorker?.stop();
    await interopTasks.closeInteropTasks();
    await redis?.cleanup();
  }, 60_000);

  it('Python client → TypeScript worker: values and failures', async () => {
    const send = (task: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
      sendFromPython(version, task, args, { queue: tsQueue, serializer: serializerName, kwargs }, env);
    expect(await send('tasks.add', [2], { y: 3 })).toMatchObject({ state: 'SUCCESS', result: 5 });
    const failed = await send('tasks.fail', ['boom ☃']);
    expect(failed).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'boom ☃' });
    const wrong = await send('tasks.add', [1], { z: 2 });
    expect(wrong).toMatchObject({ state: 'FAILURE', exc_type: 'TypeError' });
    expect(wrong.exc_message).toContain("unexpected keyword argument 'z'");

    const rich = await runPythonClient(version, ['send', 'tasks.echo', `[${RICH_JSON}]`, '{}', '--queue', tsQueue, '--serializer', serializerName], env);
    expect(rich.state).toBe('SUCCESS');
    expect(rich.result).toMatchObject(RICH);
    // The big integer must come back exact: read the stored result text itself.
    const stored = await redis.client.get(`celery-task-meta-${rich.id}`);
    expect(stored).toContain('"int_big": 9007199254740993');
  });

  it('TypeScript client → Python worker: values and TaskError', async () => {
    const echo = client.task<[value: unknown], unknown>('tasks.echo');
    const add = client.task<[x: number, y: number], number>('tasks.add');
    expect(await (await add.applyAsync([2, 3], { queue: pyQueue })).get({ timeout: 30 })).toBe(5);
    const value = { ...RICH, int_big: 9007199254740993n };
    const echoed = (await (await echo.applyAsync([value], { queue: pyQueue })).get({ timeout: 30 })) as Record<string, unknown>;
    expect(echoed).toMatchObject(RICH);
    expect(echoed['int_big']).toBe(9007199254740993n);
    const failed = await (await client.send('tasks.fail', ['boom ☃'], { queue: pyQueue })).get({ timeout: 30 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TaskError);
    expect(failed).toMatchObject({ excType: 'ValueError', excMessage: ['boom ☃'], state: 'FAILURE' });
    expect((failed as TaskError).traceback).toContain('ValueError');
  });

  it('a Python and a TypeScript worker on one queue run every task exactly once', async () => {
    const shared = redis.name('shared');
    await tsWorkerOn([shared], { concurrency: 2, prefetch: 2 });
    const py = await startPythonWorker({ version, env: { ...env, QUEUE: shared }, queues: [shared] });
    closers.push(() => py.stop());
    const key = `records-${shared}`;
    interopTasks.configureInteropTasks({ recordUrl: redis.url, recordKey: key });
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}`);
    // The Python worker reads the record key from its own environment: pass it per task instead.
    const results = await client.sendMany(tags.map((tag) => ({ task: 'tasks.record', args: [tag], options: { queue: shared } })));
    expect(await Promise.all(results.map((r) => r.get({ timeout: 60 })))).toEqual(tags);
    const records = [...(await redis.records(key)), ...(await redis.records())].filter((r) => tags.includes(r.tag));
    expect(records.map((r) => r.tag).sort()).toEqual([...tags].sort());
    expect(new Set(records.map((r) => r.lang))).toEqual(new Set(['py', 'ts']));
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
  });

  it("a Python client's ignore_result is honoured by the TypeScript worker: the task runs, nothing is stored", async () => {
    const tag = `ignored-${redis.name('tag')}`;
    const sent = await sendFromPython(version, 'tasks.record', [tag], { queue: tsQueue, ignoreResult: true, noWait: true }, env);
    const id = String(sent.id);
    await waitFor(async () => (await redis.records()).some((r) => r.tag === tag), { timeout: 20_000 });
    // The same worker stores the next task's result: by then this one's would have been stored too.
    const next = await sendFromPython(version, 'tasks.add', [1, 2], { queue: tsQueue }, env);
    expect(next).toMatchObject({ state: 'SUCCESS', result: 3 });
    expect(await redis.client.exists(`celery-task-meta-${id}`)).toBe(0);
  });

  it('priority and countdown sent from Python are honoured by the TypeScript worker', async () => {
    const queue = redis.name('prio-ts');
    const key = `records-${queue}`;
    interopTasks.configureInteropTasks({ recordUrl: redis.url, recordKey: key });
    for (const tag of ['low1', 'low2', 'low3']) await sendFromPython(version, 'tasks.record', [tag], { queue, priority: 9, noWait: true, serializer: serializerName }, env);
    await sendFromPython(version, 'tasks.record', ['high'], { queue, priority: 0, noWait: true, serializer: serializerName }, env);
    await tsWorkerOn([queue], { concurrency: 1, prefetch: 1 });
    const sent = Date.now();
    const delayed = await sendFromPython(version, 'tasks.add', [1, 1], { queue, countdown: 2, serializer: serializerName }, env);
    expect(delayed).toMatchObject({ state: 'SUCCESS', result: 2 });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1900);
    const order = (await redis.records(key)).map((r) => r.tag);
    expect(order[0]).toBe('high');
    expect(order.sort()).toEqual(['high', 'low1', 'low2', 'low3']);
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
  });

  it('priority and countdown sent from TypeScript are honoured by the Python worker', async () => {
    const queue = redis.name('prio-py');
    const key = 'celerity:records';
    const before = (await redis.records(key)).length;
    for (const tag of ['low1', 'low2', 'low3']) await client.send('tasks.record', [tag], { queue, priority: 9 });
    await client.send('tasks.record', ['high'], { queue, priority: 0 });
    const py = await startPythonWorker({ version, env: { ...env, QUEUE: queue }, queues: [queue] });
    closers.push(() => py.stop());
    const sent = Date.now();
    const delayed = await client.send<[number, number], number>('tasks.add', [20, 22], { queue, countdown: 2 });
    expect(await delayed.get({ timeout: 30 })).toBe(42);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1900);
    const order = (await redis.records(key)).slice(before).map((r) => r.tag);
    expect(order[0]).toBe('high');
    expect([...order].sort()).toEqual(['high', 'low1', 'low2', 'low3']);
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const serializer of ['json', 'msgpack'] as const) {
    if (isAvailable(entry)) describe(`Python Celery ${entry.celery} ↔ Celerity on Redis (${serializer})`, () => matrix(version, serializer));
    else describe.skip(`Python Celery ${version} ↔ Celerity on Redis (${serializer}): ${entry.unavailable}`, () => matrix(version, serializer));
  }
}
