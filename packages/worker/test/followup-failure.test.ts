/**
 * Storing a task's outcome and sending what follows it fail apart and are reported apart: a send
 * that fails is never logged as a store failure, nor the other way round, and whoever waits on
 * the workflow gets an error instead of waiting forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, CanvasSink, Logger, ResultBackend, ResultMeta, TaskContext } from '@celerity/core';
import { applySignature, chain, chord, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { until } from './event-loop.js';

const json = createJsonSerializer();
const runs = new Map<string, number>();
const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number, ctx: TaskContext) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
  return x + y;
});
const tsum = defineTask({ name: 'tasks.tsum', params: ['values'] }, (values: number[]) => values.reduce((a, b) => a + b, 0));
const retrying = defineTask({ name: 'tasks.retrying', params: [] }, (ctx: TaskContext) => ctx.retry({ countdown: 1, exc: new Error('not yet') }));
const tasks = [add, tsum, retrying];

let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;
let errors: string[];
const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void errors.push(message) };

/** What the worker uses: the shared broker and backend, with some methods made to fail. */
interface Faults {
  publish?: boolean;
  publishMany?: boolean;
  /** Result stores fail for these task ids (once each). */
  storeOf?: string[];
}

async function startWorker(faults: Faults, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  errors = [];
  broker = createMemoryBroker({ name: `ff-${crypto.randomUUID()}` });
  backend = createMemoryBackend({ name: `ff-${crypto.randomUUID()}` });
  const down = (): Promise<never> => Promise.reject(new Error('broker down'));
  const faulty = Object.create(broker) as Broker;
  if (faults.publish) faulty.publish = down;
  if (faults.publishMany) faulty.publishMany = down;
  const failing = new Set(faults.storeOf ?? []);
  const memory = backend;
  const flaky = Object.assign(Object.create(memory) as ResultBackend, {
    storeMany: (metas: readonly ResultMeta[]) => {
      const hit = metas.find((m) => failing.delete(m.task_id));
      return hit ? Promise.reject(new Error('backend down')) : memory.storeMany(metas);
    },
  });
  worker = createWorker({ broker: faulty, backend: flaky, tasks, logger, concurrency: 2, ...options });
  await worker.start();
  return worker;
}

/** Sends through the healthy broker and backend, as a client elsewhere would. */
const sink = (): CanvasSink => ({
  publish: (messages) => broker.publishMany(messages.map((m) => ({ target: m.target, envelope: encodeTaskMessage(m.init, { serializer: json }) }))),
  chordInit: (groupId, size) => backend.chordInit(groupId, size),
});

const result = (id: string): Promise<ResultMeta> => backend.wait(id, { timeout: 5 });
const storeFailures = (): string[] => errors.filter((e) => e.includes('storing the outcome failed'));
const sendFailures = (): string[] => errors.filter((e) => e.includes(': sending '));

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  runs.clear();
});

describe('a follow-up that cannot be sent', () => {
  it('is logged as a follow-up failure, the task keeps its SUCCESS and the rest of the chain fails', async () => {
    await startWorker({ publishMany: true });
    const applied = await applySignature(chain(add.s(1, 1), add.s(10), add.s(100)), sink());
    const last = await result(applied.id);
    expect(last.status).toBe('FAILURE');
    expect(last.result).toMatchObject({ exc_message: ['broker down'] });
    const [firstId] = [...runs.keys()];
    expect((await result(firstId!)).result).toBe(2);
    expect(storeFailures()).toEqual([]);
    expect(sendFailures()).toEqual([`Task tasks.add[${firstId}]: sending its follow-up tasks.add failed: broker down; stored FAILURE for 2 result(s) waiting on it`]);
  });

  it('fails a chord body that cannot be sent with a ChordError, as Celery does', async () => {
    await startWorker({ publishMany: true });
    const applied = await applySignature(chord([add.s(1, 1), add.s(2, 2)], tsum.s()), sink());
    const body = await result(applied.id);
    expect(body.status).toBe('FAILURE');
    expect(body.result).toEqual({ exc_type: 'ChordError', exc_message: ["Callback error: Exception('broker down')"], exc_module: 'celery.exceptions' });
    expect(storeFailures()).toEqual([]);
    expect(sendFailures()).toHaveLength(1);
    expect(sendFailures()[0]).toMatch(/^Task tasks\.add\[.+\]: sending the body of chord .+ failed: broker down; stored FAILURE for 1 result\(s\) waiting on it$/);
  });

  it('fails a task whose retry cannot be sent, with the error that stopped it', async () => {
    const w = await startWorker({ publish: true });
    const id = crypto.randomUUID();
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.retrying', id, args: [] }, { serializer: json }));
    const meta = await result(id);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toMatchObject({ exc_message: ['broker down'] });
    expect(sendFailures()).toEqual([`Task tasks.retrying[${id}]: sending its retry failed: broker down`]);
    expect(storeFailures()).toEqual([]);
    await until(() => w.stats.processed === 1);
    expect(w.stats.failed).toBe(1);
    expect(w.stats.retried).toBe(0);
  });

  it('with late acks, acks the message: the outcome is recorded, so it is not run again', async () => {
    await startWorker({ publishMany: true }, { acksLate: true });
    const applied = await applySignature(chain(add.s(1, 1), add.s(10)), sink());
    expect((await result(applied.id)).status).toBe('FAILURE');
    await worker!.idle();
    expect([...runs.values()]).toEqual([1]);
    expect(await broker.size('celery')).toBe(0);
  });
});

describe('a result store that fails', () => {
  it('is logged as a store failure, and the chain still goes on', async () => {
    const firstId = crypto.randomUUID();
    await startWorker({ storeOf: [firstId] });
    const applied = await applySignature(chain({ ...add.s(1, 1), options: { task_id: firstId } }, add.s(10)), sink());
    expect((await result(applied.id)).result).toBe(12);
    expect(storeFailures()).toEqual([`Task tasks.add[${firstId}]: storing the outcome failed: backend down`]);
    expect(sendFailures()).toEqual([]);
    expect(await backend.get(firstId)).toBeNull();
  });

  it('with late acks, gives the message back so the run that records it happens', async () => {
    const id = crypto.randomUUID();
    await startWorker({ storeOf: [id] }, { acksLate: true });
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.add', id, args: [2, 3] }, { serializer: json }));
    expect((await result(id)).result).toBe(5);
    expect(runs.get(id)).toBe(2);
    expect(storeFailures()).toHaveLength(1);
  });
});
