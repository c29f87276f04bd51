import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ConsumeOptions, Delivery, ResultBackend, ResultMeta, TaskContext, TaskMessageInit } from '@celerity/core';
import {
  applySignature,
  chain,
  chord,
  createJsonSerializer,
  createMemoryBackend,
  createMemoryBroker,
  defineTask,
  encodeTaskMessage,
  group,
} from '@celerity/core';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';

const json = createJsonSerializer();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let running = 0;
let maxRunning = 0;
const attempts = new Map<string, number>();

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const multiply = defineTask({ name: 'tasks.multiply', params: ['x', 'y'] }, (x: number, y: number) => x * y);
const tsum = defineTask({ name: 'tasks.tsum', params: ['values'] }, (values: number[]) => values.reduce((a, b) => a + b, 0));
const fail = defineTask({ name: 'tasks.fail', params: ['msg'] }, (msg: string) => {
  throw new TypeError(msg);
});
const slow = defineTask({ name: 'tasks.slow', params: ['ms'] }, async (ms: number) => {
  running++;
  maxRunning = Math.max(maxRunning, running);
  await sleep(ms);
  running--;
  return ms;
});
const flaky = defineTask({ name: 'tasks.flaky', params: ['key', 'failures'], maxRetries: 5 }, (key: string, failures: number, ctx: TaskContext) => {
  const n = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, n);
  if (n <= failures) ctx.retry({ countdown: 0.05, exc: new Error(`attempt ${n}`) });
  return { key, retries: ctx.retries };
});
// Its body outlives the limit (and keeps its slot until it ends: stop() waits for it).
const limited = defineTask({ name: 'tasks.limited', params: [], timeLimit: 0.1 }, () => sleep(300).then(() => 'late'));
const progress = defineTask({ name: 'tasks.progress', params: [] }, async (ctx: TaskContext) => {
  await ctx.updateState('PROGRESS', { current: 1, total: 2 });
  return 'done';
});

const tasks = { add, multiply, tsum, fail, slow, flaky, limited, progress };

let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;

async function startWorker(options: Partial<Parameters<typeof createWorker>[0]> = {}): Promise<Worker> {
  broker = createMemoryBroker({ name: `w-${crypto.randomUUID()}` });
  backend = createMemoryBackend({ name: `w-${crypto.randomUUID()}` });
  worker = createWorker({ broker, backend, tasks, concurrency: 4, ...options });
  await worker.start();
  return worker;
}

async function send(init: Omit<TaskMessageInit, 'id'> & { id?: string }, queue = 'celery'): Promise<string> {
  const id = init.id ?? crypto.randomUUID();
  await broker.publish({ queue }, encodeTaskMessage({ ...init, id }, { serializer: json }));
  return id;
}

const waitResult = (id: string, timeout = 5): Promise<ResultMeta> => backend.wait(id, { timeout });

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

describe('worker', () => {
  it('runs a task and stores SUCCESS in Celery shape', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.add', args: [2], kwargs: { y: 3 } });
    const meta = await waitResult(id);
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 5, traceback: null, children: [], task_id: id });
    expect(Object.keys(meta)).toEqual(['status', 'result', 'traceback', 'children', 'date_done', 'task_id']);
    expect(meta.date_done).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  });

  it('stores FAILURE with the exception type, message and a traceback', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.fail', args: ['boom ☃'] });
    const meta = await waitResult(id);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toEqual({ exc_type: 'TypeError', exc_message: ['boom ☃'], exc_module: 'builtins' });
    expect(meta.traceback).toContain('TypeError: boom ☃');
  });

  it('fails with a Python-style TypeError on an unknown keyword', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.add', args: [1], kwargs: { z: 2 } });
    const meta = await waitResult(id);
    expect(meta.result).toMatchObject({ exc_type: 'TypeError', exc_message: ["tasks.add() got an unexpected keyword argument 'z'"] });
  });

  it('records an unregistered task as NotRegistered, rejects it and keeps going', async () => {
    await startWorker();
    const bad = await send({ task: 'tasks.nope', args: [] });
    expect((await waitResult(bad)).result).toEqual({ exc_type: 'NotRegistered', exc_message: ['tasks.nope'], exc_module: 'celery.exceptions' });
    const good = await send({ task: 'tasks.multiply', args: [6, 7] });
    expect((await waitResult(good)).result).toBe(42);
    expect(await broker.size('celery')).toBe(0);
    expect(worker!.stats.rejected).toBe(1);
  });

  it('rejects a malformed body without crashing and records the failure', async () => {
    await startWorker();
    const id = crypto.randomUUID();
    const env = encodeTaskMessage({ task: 'tasks.add', id, args: [1, 2] }, { serializer: json });
    env.body = new TextEncoder().encode('[[1, 2], {}]');
    await broker.publish({ queue: 'celery' }, env);
    const meta = await waitResult(id);
    expect(meta.status).toBe('FAILURE');
    expect((meta.result as { exc_type: string }).exc_type).toBe('InvalidTaskError');
    const after = await send({ task: 'tasks.add', args: [1, 1] });
    expect((await waitResult(after)).result).toBe(2);
  });

  it('refuses content types outside the accept list', async () => {
    await startWorker({ accept: ['json'] });
    const id = crypto.randomUUID();
    const env = encodeTaskMessage({ task: 'tasks.add', id, args: [1, 2] }, { serializer: json });
    env.contentType = 'application/x-python-serialize';
    await broker.publish({ queue: 'celery' }, env);
    const meta = await waitResult(id);
    expect((meta.result as { exc_type: string }).exc_type).toBe('ContentDisallowed');
  });

  it('retries with the same id and counts retries', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.flaky', args: [crypto.randomUUID(), 2] });
    const seen: string[] = [];
    const meta = await backend.wait(id, { timeout: 5, onState: (m) => seen.push(m.status) });
    expect(meta.result).toMatchObject({ retries: 2 });
    expect(worker!.stats.retried).toBe(2);
  });

  it('fails once retries are exhausted, with the last error', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.flaky', args: [crypto.randomUUID(), 99] });
    const meta = await waitResult(id);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toMatchObject({ exc_type: 'Exception', exc_message: ['attempt 6'] });
  });

  it('holds ETA tasks until due', async () => {
    await startWorker();
    const sent = Date.now();
    const id = await send({ task: 'tasks.add', args: [1, 1], eta: new Date(Date.now() + 300) });
    await waitResult(id);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(280);
  });

  it('does not run expired tasks: REVOKED expired', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.add', args: [1, 1], expires: new Date(Date.now() - 1000) });
    const meta = await waitResult(id);
    expect(meta.status).toBe('REVOKED');
    expect(meta.result).toEqual({ exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' });
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    running = 0;
    maxRunning = 0;
    await startWorker({ concurrency: 3 });
    const ids = await Promise.all(Array.from({ length: 10 }, () => send({ task: 'tasks.slow', args: [30] })));
    await Promise.all(ids.map((id) => waitResult(id)));
    expect(maxRunning).toBe(3);
  });

  it('enforces the hard time limit', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.limited', args: [] });
    const meta = await waitResult(id);
    expect(meta.result).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [0.1], exc_module: 'billiard.exceptions' });
  });

  it('stores custom states and STARTED when tracking', async () => {
    await startWorker({ trackStarted: true });
    const id = await send({ task: 'tasks.progress', args: [] });
    const states: string[] = [];
    const meta = await backend.wait(id, { timeout: 5, onState: (m) => states.push(m.status) });
    expect(meta.result).toBe('done');
    const stored = await backend.get(id);
    expect(stored?.status).toBe('SUCCESS');
  });

  it('runs a chain, passing each result on', async () => {
    await startWorker();
    const sink = {
      publish: (messages: { init: TaskMessageInit; target: { queue: string } }[]) =>
        broker.publishMany(messages.map((m) => ({ target: m.target, envelope: encodeTaskMessage(m.init, { serializer: json }) }))),
      chordInit: (gid: string, n: number) => backend.chordInit(gid, n),
    };
    const applied = await applySignature(chain(add.s(2, 2), multiply.s(10), add.s(1)), sink);
    expect((await waitResult(applied.id)).result).toBe(41);
    const groupApplied = await applySignature(group([add.s(1, 1), add.s(2, 2)]), sink);
    const results = await Promise.all(groupApplied.memberIds.map((id) => waitResult(id)));
    expect(results.map((m) => m.result)).toEqual([2, 4]);
    expect(results[0]?.group_id).toBe(groupApplied.id);
    const chordApplied = await applySignature(chord([add.s(1, 1), add.s(2, 2), add.s(3, 3)], tsum.s()), sink);
    expect((await waitResult(chordApplied.id)).result).toBe(12);
  });

  it('warm shutdown lets running tasks finish and gives back the rest', async () => {
    await startWorker({ concurrency: 1, prefetch: 5 });
    const first = await send({ task: 'tasks.slow', args: [100] });
    await Promise.all([1, 2, 3].map(() => send({ task: 'tasks.slow', args: [100] })));
    await sleep(30);
    await worker!.stop();
    expect((await backend.get(first))?.result).toBe(100);
    expect(await broker.size('celery')).toBe(3);
  });
});

describe('stale deliveries', () => {
  it('does not start a message whose delivery went stale while it waited', async () => {
    const inner = createMemoryBroker({ name: `w-${crypto.randomUUID()}` });
    backend = createMemoryBackend({ name: `w-${crypto.randomUUID()}` });
    // Every delivery reports its channel gone, as an AMQP delivery does after a connection loss.
    const staleBroker: Broker = Object.create(inner, {
      consume: {
        value: (queues: readonly string[], handler: (d: Delivery) => void, options?: ConsumeOptions) =>
          inner.consume(queues, (d) => handler(Object.create(d, { stale: { value: true } }) as Delivery), options),
      },
    });
    broker = inner;
    worker = createWorker({ broker: staleBroker, backend, tasks, concurrency: 1 });
    await worker.start();
    const id = await send({ task: 'tasks.add', args: [1, 1] });
    await sleep(100);
    expect(await backend.get(id)).toBeNull();
    expect(worker.stats.processed).toBe(0);
  });
});
