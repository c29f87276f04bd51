/**
 * The TypeScript client against real Python Celery workers (5.2 and 5.5) on Redis: plain sends
 * with options, failures, and every canvas shape, checked by what the Python worker computes.
 * Uses the shared interop harness (a scratch Redis database, a worker process per version).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TaskError, chain, chord, group, signature } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, startPythonWorker } from '../../../tests/interop/harness/python.js';
import type { PythonCeleryVersion, PythonWorker } from '../../../tests/interop/harness/python.js';
import type { RedisScratch } from '../../../tests/interop/harness/redis.js';
import { createRedisScratch } from '../../../tests/interop/harness/redis.js';

const status = pythonCeleryStatus();
const WAIT = { timeout: 30 };

const add = (...args: unknown[]) => signature<unknown[], number>('tasks.add', args);
const echo = () => signature('tasks.echo');

function suite(version: PythonCeleryVersion) {
  let redis: RedisScratch;
  let worker: PythonWorker;
  let client: Client;

  beforeAll(async () => {
    redis = await createRedisScratch();
    const queue = redis.name(`client-py${version}`);
    worker = await startPythonWorker({ version, env: { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, QUEUE: queue }, queues: [queue] });
    client = createClient({
      broker: createRedisBroker({ url: redis.url }),
      backend: createRedisBackend({ url: redis.url }),
      defaultQueue: queue,
    });
  });

  afterEach(({ task }) => {
    // A hang is otherwise only "no result after 30 s": show what the worker did.
    if (task.result?.state === 'fail') console.error(`Python ${version} worker output (tail):\n${worker?.logs().slice(-6000)}`);
  });

  afterAll(async () => {
    await client?.close();
    await client?.broker.close();
    await client?.backend?.close();
    await worker?.stop();
    await redis?.cleanup();
  });

  it('runs a task sent by name, with positional and keyword arguments', async () => {
    expect(await (await client.send<[number, number], number>('tasks.add', [2, 3])).get(WAIT)).toBe(5);
    expect(await (await client.send('tasks.add', [2], { kwargs: { y: 40 } })).get(WAIT)).toBe(42);
    expect(await (await client.task<[value: unknown], unknown>('tasks.echo').delay({ s: 'h\u00e9llo \u2603', n: null, l: [1.5, true] })).get(WAIT)).toEqual({
      s: 'h\u00e9llo \u2603',
      n: null,
      l: [1.5, true],
    });
  });

  it('honours countdown, stamps, custom headers and explicit ids', async () => {
    const result = await client.send('tasks.add', [1, 1], {
      countdown: 0.5,
      taskId: `fixed-${crypto.randomUUID()}`,
      stamps: { monitoring_id: 'm-1' },
      headers: { 'x-custom': 'hello' },
      timeLimit: 30,
      softTimeLimit: 20,
    });
    expect(result.id).toMatch(/^fixed-/);
    expect(await result.get(WAIT)).toBe(2);
  });

  it('does not run an expired task: REVOKED', async () => {
    const result = await client.send('tasks.add', [1, 1], { expires: new Date(Date.now() - 60_000) });
    const error = await result.get(WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ state: 'REVOKED', excType: 'TaskRevokedError', excMessage: ['expired'] });
  });

  it('reports a Python exception as a TaskError', async () => {
    const error = await (await client.send('tasks.fail', ['boom ☃'])).get(WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ state: 'FAILURE', excType: 'ValueError', excModule: 'builtins', excMessage: ['boom ☃'] });
    expect((error as TaskError).traceback).toContain('Traceback');
  });

  it('runs a batch sent with sendMany', async () => {
    const results = await client.sendMany(Array.from({ length: 20 }, (_, i) => ({ task: 'tasks.add', args: [i, 100] })));
    expect(await Promise.all(results.map((r) => r.get(WAIT)))).toEqual(Array.from({ length: 20 }, (_, i) => i + 100));
  });

  it('runs a chain', async () => {
    expect(await (await client.apply(chain(add(1, 2), add(3), add(4)))).get(WAIT)).toBe(10);
    expect(await (await client.apply(chain(add(1, 2), { ...add(5, 5), immutable: true }))).get(WAIT)).toBe(10);
  });

  it('runs a group and a chord', async () => {
    expect(await (await client.apply(group([add(1, 1), add(2, 2), add(3, 3)]))).get(WAIT)).toEqual([2, 4, 6]);
    expect(await (await client.apply(chord([add(1, 1), add(2, 2)], echo()))).get(WAIT)).toEqual([2, 4]);
  });

  it('runs chains mixing groups (upgraded to chords)', async () => {
    expect(await (await client.apply(chain(add(1, 1), group([add(1), add(2)]), echo()))).get(WAIT)).toEqual([3, 4]);
    expect(await (await client.apply(chain(group([add(1, 1), add(2, 2)]), echo(), echo()))).get(WAIT)).toEqual([2, 4]);
  });

  it('applies a link with the result', async () => {
    const linkId = crypto.randomUUID();
    const result = await client.send('tasks.add', [20, 1], { link: { ...echo(), options: { task_id: linkId } } });
    expect(await result.get(WAIT)).toBe(21);
    expect(await client.result(linkId).get(WAIT)).toBe(21);
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  describe.skipIf(!isAvailable(entry))(`client → Python Celery ${version} worker (Redis)`, () => suite(version));
}
