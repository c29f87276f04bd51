/** `etaTaskLimit` (Celery 5.6's `worker_eta_task_limit`) on a fake clock: no test here sleeps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, TaskContext } from '@celerity/core';
import { ConfigurationError, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { prefetchWindow } from '../src/prefetch-window.js';
import type { FakeClock } from './fake-clock.js';
import { createFakeClock } from './fake-clock.js';
import { settle, until } from './event-loop.js';

const json = createJsonSerializer();
const HOUR = 3600 * 1000;

let clock: FakeClock;
let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;
const runs = new Map<string, number>();
const count = defineTask({ name: 'tasks.count', params: [] }, (ctx: TaskContext) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
});

function setup(options: Partial<WorkerOptions> = {}): Worker {
  clock = createFakeClock();
  broker = createMemoryBroker({ name: `eta-limit-${crypto.randomUUID()}` });
  backend = createMemoryBackend({ name: `eta-limit-${crypto.randomUUID()}` });
  worker = createWorker({ broker, backend, clock, tasks: [count], concurrency: 4, ...options });
  return worker;
}

async function send(eta?: number): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.count', id, args: [], ...(eta === undefined ? {} : { eta: new Date(eta) }) }, { serializer: json }));
  return id;
}

afterEach(async () => {
  await worker?.stop({ force: true });
  worker = undefined;
  runs.clear();
});

describe('etaTaskLimit', () => {
  it('holds at most 2 of 5 far-future ETA tasks, leaves the rest in the broker, and runs all once due', async () => {
    const w = setup({ etaTaskLimit: 2 });
    const etas = [1, 2, 3, 4, 5].map((n) => clock.now() + n * HOUR);
    const ids: string[] = [];
    for (const eta of etas) ids.push(await send(eta));
    await w.start();
    await until(() => w.stats.scheduled === 2);
    await settle();
    expect(w.stats.scheduled).toBe(2);
    expect(await broker.size('celery')).toBe(3);

    let most = 0;
    const watch = (): boolean => {
      most = Math.max(most, w.stats.scheduled);
      return ids.every((id) => runs.has(id));
    };
    clock.advance(5 * HOUR);
    // The first two are due: they run, and the window lets the next ones in, which are due too.
    await until(watch);
    await w.idle();
    expect(most).toBeLessThanOrEqual(2);
    expect(ids.map((id) => runs.get(id))).toEqual([1, 1, 1, 1, 1]);
    expect(await broker.size('celery')).toBe(0);
  });

  it('resumes taking tasks as held ones come due, one for one', async () => {
    const w = setup({ etaTaskLimit: 2 });
    const first = clock.now() + HOUR;
    for (let n = 0; n < 4; n++) await send(first + n * HOUR);
    await w.start();
    await until(() => w.stats.scheduled === 2);
    clock.advance(HOUR);
    // One ran; the third came in for it, and the limit holds.
    await until(() => runs.size === 1 && w.stats.scheduled === 2);
    await settle();
    expect(w.stats.scheduled).toBe(2);
    expect(await broker.size('celery')).toBe(1);
  });

  it('takes nothing more, ETA or not, while at the limit, as Celery caps the whole window', async () => {
    const w = setup({ etaTaskLimit: 1 });
    await send(clock.now() + HOUR);
    await w.start();
    await until(() => w.stats.scheduled === 1);
    const plain = await send();
    await settle();
    expect(runs.has(plain)).toBe(false);
    clock.advance(HOUR);
    await until(() => runs.has(plain));
  });

  it('without a limit, holds every ETA task (Celery’s default)', async () => {
    const w = setup({ prefetch: 1 });
    for (let n = 1; n <= 5; n++) await send(clock.now() + n * HOUR);
    await w.start();
    await until(() => w.stats.scheduled === 5);
    expect(await broker.size('celery')).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => setup({ etaTaskLimit: bad })).toThrow(ConfigurationError);
    worker = undefined;
  });

  it('caps the window at the limit, widened by the ETA tasks held below it', () => {
    expect(prefetchWindow(40, 0, undefined)).toBe(40);
    expect(prefetchWindow(40, 7, undefined)).toBe(47);
    expect(prefetchWindow(4, 0, 10)).toBe(4);
    expect(prefetchWindow(4, 3, 10)).toBe(7);
    expect(prefetchWindow(4, 9, 10)).toBe(10);
    expect(prefetchWindow(40, 0, 2)).toBe(2);
  });
});
