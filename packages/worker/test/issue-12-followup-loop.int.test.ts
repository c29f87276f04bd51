/**
 * Regression, issue 12: a task that "ran 12,016 times in five seconds". A Python client sent
 * `chain(a.s(1, 1), group(chain(b.s(), c.s()), d.s()))`; the follow-up (a group with a chain inside)
 * cannot be sent by this worker, and that failure — the worker's own, not the task's — was logged as
 * a result-store failure: with early acks SUCCESS was never stored and the caller waited forever, with
 * late acks the message was requeued at once, forever. The message here is the one Celery 5.2's
 * client sends for that canvas (captured from `apply_async()`, fresh ids), pushed as kombu does.
 * Nested canvas is supported since, so `d` carries an `eta` no one can read: the group still
 * cannot be sent, which is the case under test.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger, TaskContext } from '@celerity/core';
import { TaskError, defineTask } from '@celerity/core';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createClient } from '@celerity/client';
import { deleteKeys, randomSuffix, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';

const url = 'redis://127.0.0.1:6379/0';
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const runs = new Map<string, number>();
const counted = (name: string) =>
  defineTask({ name, params: [] }, (...args: unknown[]) => {
    const ctx = args[args.length - 1] as TaskContext;
    runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
    return args.slice(0, -1).reduce((sum: number, x) => sum + Number(x), 0);
  });
const tasks = [
  defineTask({ name: 'tasks.a', params: ['x', 'y'] }, (x: number, y: number, ctx: TaskContext) => {
    runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
    return x + y;
  }),
  counted('tasks.b'),
  counted('tasks.c'),
  counted('tasks.d'),
];

/** The ids of one sent workflow: `a`, the group, and the tasks of its members. */
interface Workflow {
  a: string;
  group: string;
  b: string;
  c: string;
  d: string;
}

/** The kombu envelope Celery 5.2's client LPUSHes for the canvas (see module comment). */
function pythonMessage(ids: Workflow, replyTo: string): string {
  const sig = (task: string, options: Record<string, unknown>, subtaskType: string | null = null, kwargs: Record<string, unknown> = {}) => ({
    task,
    args: [],
    kwargs,
    options,
    subtask_type: subtaskType,
    immutable: false,
  });
  const group = sig(
    'celery.group',
    { task_id: ids.group, root_id: null, parent_id: null },
    'group',
    {
      tasks: [
        sig('celery.chain', {}, 'chain', {
          tasks: [sig('tasks.b', { task_id: ids.b, reply_to: replyTo }), sig('tasks.c', { task_id: ids.c, reply_to: replyTo, group_index: 0 })],
        }),
        sig('tasks.d', { task_id: ids.d, reply_to: replyTo, group_index: 1, eta: 'not a date' }),
      ],
    },
  );
  const body = [[1, 1], {}, { callbacks: null, errbacks: null, chain: [group], chord: null }];
  const headers = {
    lang: 'py',
    task: 'tasks.a',
    id: ids.a,
    shadow: null,
    eta: null,
    expires: null,
    group: null,
    group_index: null,
    retries: 0,
    timelimit: [null, null],
    root_id: ids.a,
    parent_id: null,
    argsrepr: '(1, 1)',
    kwargsrepr: '{}',
    origin: 'gen21695@vm',
    ignore_result: false,
  };
  return JSON.stringify({
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      correlation_id: ids.a,
      reply_to: replyTo,
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: 'celery' },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: crypto.randomUUID(),
    },
  });
}

describe.each([{ acksLate: false }, { acksLate: true }])('a follow-up the worker cannot send (acksLate: $acksLate)', ({ acksLate }) => {
  it('runs the first task once, stores its SUCCESS, fails the waiting results and leaves nothing queued', async () => {
    const keyPrefix = `celerity-test-${randomSuffix()}:`;
    const raw = new Redis(url);
    cleanups.push(async () => {
      await deleteKeys(raw, `${keyPrefix}*`);
      await raw.quit();
    });
    const errors: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m: string) => void errors.push(m), error: (m: string) => void errors.push(m) };
    const broker = createRedisBroker({ url, keyPrefix, pollInterval: 0.2, visibilityTimeout: 60 });
    const backend = createRedisBackend({ url, keyPrefix });
    const worker = createWorker({ broker, backend, tasks, acksLate, logger, concurrency: 2 });
    const client = createClient({ broker: createRedisBroker({ url, keyPrefix }), backend: createRedisBackend({ url, keyPrefix }) });
    cleanups.push(() => client.close(), () => backend.close(), () => broker.close());
    await worker.start();
    cleanups.push(() => worker.stop());

    const ids: Workflow = { a: crypto.randomUUID(), group: crypto.randomUUID(), b: crypto.randomUUID(), c: crypto.randomUUID(), d: crypto.randomUUID() };
    await raw.lpush(`${keyPrefix}celery`, pythonMessage(ids, crypto.randomUUID()));

    // The caller waits on the group's results (c and d, as Python's GroupResult does): an error, not a hang.
    for (const id of [ids.c, ids.d]) {
      const error = await client.result(id).get({ timeout: 10 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskError);
    }
    expect(await client.result(ids.a).get({ timeout: 10 })).toBe(2);
    expect((await backend.get(ids.b))?.status).toBe('FAILURE');

    // Long enough for a requeued message to have run again many times over.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await worker.idle();
    expect(runs.get(ids.a)).toBe(1);
    expect([ids.b, ids.c, ids.d].map((id) => runs.get(id))).toEqual([undefined, undefined, undefined]);
    expect(await broker.size('celery')).toBe(0);
    await waitFor(async () => (await raw.hlen(`${keyPrefix}unacked`)) === 0, { timeout: 5_000 });
    expect(await raw.zcard(`${keyPrefix}unacked_index`)).toBe(0);
    // Reported as what it is: a follow-up that could not be sent, not a result store.
    expect(errors.filter((e) => e.includes('storing the outcome failed'))).toEqual([]);
    expect(errors.filter((e) => e.includes(`Task tasks.a[${ids.a}]: sending its follow-up group failed`))).toHaveLength(1);
  });
});
