/** The worker on a fake clock: ETAs, expiry, retries, time limits and slots, with no sleeps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, ResultMeta, TaskContext, TaskMessageInit } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import { formatCeleryDate } from '@celerity/core/internal';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { FakeClock } from './fake-clock.js';
import { createFakeClock } from './fake-clock.js';
import { settle, until } from './event-loop.js';

const json = createJsonSerializer();
const DAY = 24 * 3600 * 1000;

let clock: FakeClock;
let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;
/** The clock's time at each call of `tasks.stamp`, by id. */
const ranAt = new Map<string, number>();

const stamp = defineTask({ name: 'tasks.stamp', params: [] }, (ctx: TaskContext) => {
  ranAt.set(ctx.id, clock.now());
  return 'ok';
});
const retryOnce = defineTask({ name: 'tasks.retryOnce', params: [] }, (ctx: TaskContext) => {
  if (ctx.retries === 0) ctx.retry({ countdown: 60 });
  return `ran at ${clock.now()}`;
});
const forever = defineTask({ name: 'tasks.forever', params: [], timeLimit: 10 }, () => new Promise<never>(() => {}));
/** Each call waits until the test opens its gate; counts how many are inside at once. */
const opened: Array<() => void> = [];
let inside = 0;
let mostInside = 0;
const gated = defineTask({ name: 'tasks.gated', params: [] }, async () => {
  inside++;
  mostInside = Math.max(mostInside, inside);
  await new Promise<void>((resolve) => opened.push(resolve));
  inside--;
});

async function startWorker(options: Partial<WorkerOptions> = {}): Promise<Worker> {
  clock = createFakeClock(Date.now() + 365 * DAY);
  broker = createMemoryBroker({ name: `clock-${crypto.randomUUID()}` });
  backend = createMemoryBackend({ name: `clock-${crypto.randomUUID()}` });
  // Without heartbeats: their timer would run on this clock too, firing at every 2 s of a jump of years.
  worker = createWorker({ broker, backend, clock, withoutHeartbeat: true, tasks: [stamp, retryOnce, forever, gated], concurrency: 4, ...options });
  await worker.start();
  return worker;
}

async function send(init: Omit<TaskMessageInit, 'id'>): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ ...init, id }, { serializer: json }));
  return id;
}

const result = (id: string): Promise<ResultMeta> => backend.wait(id, { timeout: 5 });

afterEach(async () => {
  await worker?.stop({ force: true });
  worker = undefined;
  ranAt.clear();
});

describe('worker on a fake clock', () => {
  it('holds an ETA task until the clock reaches its ETA, and runs it then', async () => {
    const w = await startWorker();
    const eta = clock.now() + 30_000;
    const id = await send({ task: 'tasks.stamp', args: [], eta: new Date(eta) });
    await until(() => w.stats.scheduled === 1);
    clock.advance(29_999);
    await settle();
    expect(ranAt.has(id)).toBe(false);
    expect(await backend.get(id)).toBeNull();
    expect(w.stats.scheduled).toBe(1);
    clock.advance(1);
    expect((await result(id)).status).toBe('SUCCESS');
    expect(ranAt.get(id)).toBe(eta);
    expect(w.stats.scheduled).toBe(0);
  });

  it('runs an ETA further away than a timer can wait (2^31-1 ms) at its ETA', async () => {
    const w = await startWorker();
    const eta = clock.now() + 60 * DAY;
    const id = await send({ task: 'tasks.stamp', args: [], eta: new Date(eta) });
    await until(() => w.stats.scheduled === 1);
    clock.advance(2 ** 31 - 1);
    clock.advance(eta - clock.now() - 1);
    await settle();
    expect(ranAt.has(id)).toBe(false);
    clock.advance(1);
    await result(id);
    expect(ranAt.get(id)).toBe(eta);
  });

  it('discards as REVOKED a task whose expiry passed by the time its ETA came', async () => {
    const w = await startWorker();
    const id = await send({ task: 'tasks.stamp', args: [], eta: new Date(clock.now() + 10_000), expires: new Date(clock.now() + 5_000) });
    await until(() => w.stats.scheduled === 1);
    clock.advance(10_000);
    const meta = await result(id);
    expect(meta.status).toBe('REVOKED');
    expect(meta.result).toEqual({ exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' });
    expect(ranAt.has(id)).toBe(false);
    expect(await broker.size('celery')).toBe(0);
  });

  it('judges expiry by its clock, not the system one', async () => {
    await startWorker();
    // A day ahead of the system clock, but a year behind the worker's.
    const id = await send({ task: 'tasks.stamp', args: [], expires: new Date(Date.now() + DAY) });
    expect((await result(id)).status).toBe('REVOKED');
    const fresh = await send({ task: 'tasks.stamp', args: [], expires: new Date(clock.now() + 1_000) });
    expect((await result(fresh)).status).toBe('SUCCESS');
  });

  it('sends a retry with an ETA on its clock, holds it, and runs it when due', async () => {
    const w = await startWorker();
    const start = clock.now();
    const id = await send({ task: 'tasks.retryOnce', args: [] });
    await until(() => w.stats.retried === 1 && w.stats.scheduled === 1);
    expect((await backend.get(id))?.status).toBe('RETRY');
    clock.advance(59_999);
    await settle();
    expect(w.stats.scheduled).toBe(1);
    clock.advance(1);
    const meta = await result(id);
    expect(meta.result).toBe(`ran at ${start + 60_000}`);
  });

  it('enforces the hard time limit on its clock', async () => {
    const w = await startWorker();
    const id = await send({ task: 'tasks.forever', args: [] });
    await until(() => w.stats.active === 1);
    clock.advance(9_999);
    await settle();
    expect(await backend.get(id)).toBeNull();
    clock.advance(1);
    const meta = await result(id);
    expect(meta.result).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [10], exc_module: 'billiard.exceptions' });
  });

  it('stamps date_done from its clock', async () => {
    await startWorker();
    const id = await send({ task: 'tasks.stamp', args: [] });
    expect((await result(id)).date_done).toBe(formatCeleryDate(new Date(clock.now())));
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    inside = 0;
    mostInside = 0;
    opened.length = 0;
    const w = await startWorker({ concurrency: 3 });
    const ids = await Promise.all(Array.from({ length: 10 }, () => send({ task: 'tasks.gated', args: [] })));
    let released = 0;
    while (released < ids.length) {
      await until(() => opened.length > released || w.stats.processed === ids.length);
      expect(inside).toBeLessThanOrEqual(3);
      opened[released++]!();
    }
    await Promise.all(ids.map(result));
    await until(() => w.stats.processed === ids.length);
    expect(mostInside).toBe(3);
  });

  it('gives held ETA messages back to the queue on stop, and leaves no timer behind', async () => {
    const w = await startWorker();
    const id = await send({ task: 'tasks.stamp', args: [], eta: new Date(clock.now() + 60_000) });
    await until(() => w.stats.scheduled === 1);
    expect(clock.pending).toBe(1);
    await w.stop();
    expect(w.stats.scheduled).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await broker.size('celery')).toBe(1);
    clock.advance(120_000);
    await settle();
    expect(ranAt.has(id)).toBe(false);
  });
});
