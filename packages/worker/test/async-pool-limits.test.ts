// Time limits in the async pool: a body past its hard limit keeps its slot until it settles (never
// more bodies than `concurrency`), the soft limit reaches the task through its signal, a synchronous
// body that returns past its limit is not a SUCCESS, and the blocked event loop is reported.
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, ResultMeta, TaskContext, TaskMessageInit } from '@celerity/core';
import { SoftTimeLimitExceeded, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';

const json = createJsonSerializer();
let bodies = 0;
let mostBodies = 0;

const nap = defineTask({ name: 'async.nap', params: ['ms'] }, async (ms: number) => {
  bodies++;
  mostBodies = Math.max(mostBodies, bodies);
  await new Promise((resolve) => setTimeout(resolve, ms));
  bodies--;
  return 'woke';
});
const softly = defineTask({ name: 'async.softly', params: [] }, async (ctx: TaskContext) => {
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 5000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason as Error);
      });
    });
    return 'slept';
  } catch (error) {
    return error instanceof SoftTimeLimitExceeded ? 'caught soft limit' : `other: ${String(error)}`;
  }
});
const spin = defineTask({ name: 'async.spin', params: ['ms'] }, (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return 'spun';
});
let runs = 0;
const failing = defineTask({ name: 'async.failing', params: [] }, () => {
  runs++;
  throw new Error('nope');
});
const overtime = defineTask({ name: 'async.overtime', params: [], timeLimit: 0.05 }, async () => {
  runs++;
  await new Promise((resolve) => setTimeout(resolve, 100));
});
const tasks = { nap, softly, spin, failing, overtime };

let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;
const warnings: string[] = [];
const logger = { debug: () => {}, info: () => {}, warn: (m: string) => void warnings.push(m), error: () => {} };

async function startWorker(options: Partial<WorkerOptions>): Promise<Worker> {
  broker = createMemoryBroker({ name: `a-${crypto.randomUUID()}` });
  backend = createMemoryBackend({ name: `a-${crypto.randomUUID()}` });
  worker = createWorker({ broker, backend, tasks, logger, ...options });
  await worker.start();
  return worker;
}

async function send(init: Omit<TaskMessageInit, 'id'>): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ ...init, id }, { serializer: json }));
  return id;
}
const result = (id: string): Promise<ResultMeta> => backend.wait(id, { timeout: 10 });

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  warnings.length = 0;
  bodies = 0;
  mostBodies = 0;
  runs = 0;
});

describe('the async pool under time limits', () => {
  it('stores TimeLimitExceeded at the limit but runs no more bodies than concurrency', async () => {
    const w = await startWorker({ concurrency: 1, timeLimit: 0.1 });
    const ids = await Promise.all(Array.from({ length: 3 }, () => send({ task: 'async.nap', args: [400] })));
    const metas = await Promise.all(ids.map(result));
    for (const meta of metas) expect(meta.result).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [0.1], exc_module: 'billiard.exceptions' });
    await w.idle();
    expect(mostBodies).toBe(1);
  });

  it('raises SoftTimeLimitExceeded through the signal, which the task can catch', async () => {
    await startWorker({ softTimeLimit: 0.1 });
    expect((await result(await send({ task: 'async.softly', args: [] }))).result).toBe('caught soft limit');
  });

  it('lets the message header win over the worker default', async () => {
    await startWorker({ timeLimit: 0.05 });
    expect((await result(await send({ task: 'async.nap', args: [150], timeLimit: [2, null] }))).result).toBe('woke');
  });

  it('stores a synchronous body that returned past its hard limit as TimeLimitExceeded, and reports the blocked event loop', async () => {
    const w = await startWorker({ timeLimit: 0.2 });
    // The delay monitor measures from its first sample on: let it take one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const meta = await result(await send({ task: 'async.spin', args: [700] }));
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toMatchObject({ exc_type: 'TimeLimitExceeded', exc_message: [0.2] });
    await waitFor(() => warnings.some((m) => /^The event loop was blocked for \d+ ms/.test(m)), { timeout: 3000 });
    expect(w.eventLoopLag.maxMs).toBeGreaterThanOrEqual(500);
  });

  it('acksOnFailureOrTimeout false (acks late): a failure is stored and not run again, a timed-out task goes back to the queue', async () => {
    const w = await startWorker({ acksLate: true, acksOnFailureOrTimeout: false, maxDeliveries: 2 });
    const failed = await result(await send({ task: 'async.failing', args: [] }));
    expect(failed.result).toMatchObject({ exc_type: 'Exception', exc_message: ['nope'] });
    await w.idle();
    expect(runs).toBe(1);
    runs = 0;
    // Requeued after each time limit (FAILURE stored each time), until the delivery count dead-letters it.
    const id = await send({ task: 'async.overtime', args: [] });
    await waitFor(() => w.stats.deadLettered === 1, { timeout: 4000 });
    expect(runs).toBe(2);
    expect((await backend.get(id))?.result).toMatchObject({ exc_type: 'TimeLimitExceeded' });
  });
});
