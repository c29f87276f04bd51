// The lookup behind `deduplicateSuccessfulTasks`, with fake deliveries on the memory transport:
// only redelivered messages of tasks acked late are looked up, a failed lookup lets the task run,
// and a skipped chord header task still counts in its chord (once).
import { describe, expect, it } from 'vitest';
import type { Delivery, Logger, ResultBackend, TaskDefinition, TaskMessageInit } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, createSerializerRegistry, decodeTaskMessage, defineTask, encodeTaskMessage, signature, systemClock } from '@celerity/core';
import type { Job } from '../src/delivery-pipeline.js';
import type { ExecutionContext } from '../src/execute.js';
import { createSuccessfulRedeliveryCheck } from '../src/successful-redelivery.js';
import { createWorkerStats } from '../src/worker-stats.js';

const json = createJsonSerializer();
const task = defineTask({ name: 'test.part', params: ['x'] }, (x: number) => x);
const lateTask = defineTask({ name: 'test.late', params: ['x'], acksLate: true }, (x: number) => x);

function setup(backend: ResultBackend | null, acksLate: boolean) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger: Logger = { debug() {}, info: (m: string) => void infos.push(m), warn: (m: string) => void warnings.push(m), error() {} };
  const broker = createMemoryBroker({ name: `sr-${crypto.randomUUID()}` });
  const ctx: ExecutionContext = {
    broker,
    backend,
    serializer: json,
    logger,
    clock: systemClock,
    defaultQueue: 'celery',
    origin: 'test',
    hostname: 'test@host',
    writer: null,
    trackStarted: false,
    acksLate,
    resultExtended: false,
    signal: new AbortController().signal,
  };
  const stats = createWorkerStats({ active: 0, waiting: 0 }, { size: 0 });
  return { ctx, stats, broker, warnings, infos };
}

function job(init: TaskMessageInit, redelivered: boolean, definition: TaskDefinition = task): Job & { acks: number } {
  const envelope = encodeTaskMessage(init, { serializer: json });
  const result = {
    acks: 0,
    delivery: undefined as unknown as Delivery,
    message: decodeTaskMessage(envelope, { serializers: createSerializerRegistry([json]) }),
    definition,
  };
  result.delivery = {
    envelope,
    queue: 'celery',
    exchange: '',
    routingKey: 'celery',
    redelivered,
    deliveryTag: 'tag',
    ack: async () => void result.acks++,
    reject: async () => {},
  };
  return result;
}

/** A memory backend whose `get` calls are counted. */
function countingBackend(): { backend: ResultBackend; gets: string[] } {
  const memory = createMemoryBackend({ name: `sr-${crypto.randomUUID()}` });
  const gets: string[] = [];
  const backend = Object.assign(Object.create(memory) as ResultBackend, {
    get: (id: string) => (gets.push(id), memory.get(id)),
  });
  return { backend, gets };
}

const success = (id: string, result: unknown = 1) => ({ status: 'SUCCESS', result, traceback: null, children: [], date_done: null, task_id: id });

describe('the successful-redelivery check', () => {
  it('looks up nothing for first deliveries, early-acked tasks, or when disabled', async () => {
    const { backend, gets } = countingBackend();
    await backend.store(success('done'));
    const early = setup(backend, false);
    expect(createSuccessfulRedeliveryCheck({ ctx: early.ctx, stats: early.stats, enabled: true }).check(job({ task: 'test.part', id: 'done', args: [1] }, true))).toBeNull();
    const late = setup(backend, true);
    const check = createSuccessfulRedeliveryCheck({ ctx: late.ctx, stats: late.stats, enabled: true });
    expect(check.check(job({ task: 'test.part', id: 'done', args: [1] }, false))).toBeNull();
    expect(createSuccessfulRedeliveryCheck({ ctx: late.ctx, stats: late.stats, enabled: false }).check(job({ task: 'test.part', id: 'done', args: [1] }, true))).toBeNull();
    expect(gets).toEqual([]);
    // The task's own acksLate counts, as in the executor.
    const own = job({ task: 'test.late', id: 'done', args: [1] }, true, lateTask);
    expect(await createSuccessfulRedeliveryCheck({ ctx: early.ctx, stats: early.stats, enabled: true }).check(own)).toBe(true);
    expect(own.acks).toBe(1);
    expect(gets).toEqual(['done']);
  });

  it('checks a counted copy (celerity_deliveries ≥ 2) that arrives as a first delivery', async () => {
    const { backend, gets } = countingBackend();
    await backend.store(success('copied'));
    const { ctx, stats } = setup(backend, true);
    const check = createSuccessfulRedeliveryCheck({ ctx, stats, enabled: true });
    const copy = job({ task: 'test.part', id: 'copied', args: [1] }, false);
    copy.delivery = { ...copy.delivery, envelope: { ...copy.delivery.envelope, headers: { ...copy.delivery.envelope.headers, celerity_deliveries: 2 } } };
    expect(await check.check(copy)).toBe(true);
    expect(gets).toEqual(['copied']);
  });

  it('does not check a non-persistent backend', () => {
    const { backend } = countingBackend();
    const rpcLike = Object.assign(Object.create(backend) as ResultBackend, { capabilities: { persistent: false, replyQueue: true, chords: false } });
    const { ctx, stats } = setup(rpcLike, true);
    expect(createSuccessfulRedeliveryCheck({ ctx, stats, enabled: true }).check(job({ task: 'test.part', id: 'x', args: [1] }, true))).toBeNull();
  });

  it('skips a succeeded task (acked, counted, logged) and runs one that is not', async () => {
    const { backend } = countingBackend();
    await backend.store(success('done'));
    await backend.store({ ...success('failed'), status: 'FAILURE' });
    const { ctx, stats, infos } = setup(backend, true);
    const check = createSuccessfulRedeliveryCheck({ ctx, stats, enabled: true });
    const done = job({ task: 'test.part', id: 'done', args: [1] }, true);
    const failed = job({ task: 'test.part', id: 'failed', args: [1] }, true);
    const unknown = job({ task: 'test.part', id: 'unknown', args: [1] }, true);
    const answers = [check.check(done), check.check(failed), check.check(unknown)];
    expect(check.pending).toBe(3);
    expect(await Promise.all(answers)).toEqual([true, false, false]);
    await check.settled();
    expect(check.pending).toBe(0);
    expect([done.acks, failed.acks, unknown.acks]).toEqual([1, 0, 0]);
    expect(stats.deduplicated).toBe(1);
    expect(infos).toEqual(['Task test.part[done] already succeeded; skipping the redelivered message']);
  });

  it('lets the task run when the lookup fails', async () => {
    const { backend } = countingBackend();
    const failing = Object.assign(Object.create(backend) as ResultBackend, { get: () => Promise.reject(new Error('backend down')) });
    const { ctx, stats, warnings } = setup(failing, true);
    const redelivered = job({ task: 'test.part', id: 'x', args: [1] }, true);
    expect(await createSuccessfulRedeliveryCheck({ ctx, stats, enabled: true }).check(redelivered)).toBe(false);
    expect(redelivered.acks).toBe(0);
    expect(warnings[0]).toMatch(/test\.part\[x\] was redelivered; reading its stored state failed, so it runs: backend down/);
  });

  it('counts a skipped chord header task in its chord with its stored result, and only once', async () => {
    const { backend } = countingBackend();
    const { ctx, stats, broker } = setup(backend, true);
    await broker.declareQueue('celery');
    const body = signature('test.body');
    const part = (gid: string, id: string, index: number) => job({ task: 'test.part', id, args: [index], group: gid, groupIndex: index, embed: { chord: body } }, true);
    const check = createSuccessfulRedeliveryCheck({ ctx, stats, enabled: true });
    await backend.store(success('a0', 10));
    await backend.store(success('b0', 30));

    // Chord a: the first run stored its SUCCESS and died before counting its part; the redelivery counts it.
    await backend.chordInit('a', 2);
    expect(await check.check(part('a', 'a0', 0))).toBe(true);
    expect(await backend.chordPartReturn('a', { taskId: 'a1', index: 1, status: 'SUCCESS', result: 20 })).toMatchObject({
      complete: true,
      parts: [{ taskId: 'a0', result: 10 }, { taskId: 'a1', result: 20 }],
    });

    // Chord b: the first run counted its part too; the redelivery must not count it twice.
    await backend.chordInit('b', 2);
    await backend.chordPartReturn('b', { taskId: 'b0', index: 0, status: 'SUCCESS', result: 30 });
    expect(await check.check(part('b', 'b0', 0))).toBe(true);
    expect(await broker.size('celery')).toBe(0);
    expect(await backend.chordPartReturn('b', { taskId: 'b1', index: 1, status: 'SUCCESS', result: 40 })).toMatchObject({ complete: true });
  });
});
