/**
 * map / starmap / chunks and ctx.replace() end to end, the same on every transport (memory in
 * canvas-builtins.test.ts, Redis and RabbitMQ in canvas-builtins.int.test.ts): a client applies,
 * a Celerity worker runs the built-in tasks and the replacements.
 */
import { expect, it } from 'vitest';
import type { Broker, ResultBackend, SignatureData, TaskContext } from '@celerity/core';
import { TaskError, chain, chord, chunksGroup, defineTask, group, signature } from '@celerity/core';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';

export const add = defineTask({ name: 'builtins.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
export const double = defineTask({ name: 'builtins.double', params: ['x'] }, (x: number) => x * 2);
export const xsum = defineTask({ name: 'builtins.xsum', params: ['values'] }, (values: number[]) => values.reduce((a, b) => a + b, 0));
const fail = defineTask({ name: 'builtins.fail', params: ['msg'] }, (msg: string): number => {
  throw new TypeError(msg);
});
/** What the recording tasks saw, by test run (a fresh tag per test). */
export const seen = new Map<string, unknown[]>();
const note = (tag: string, value: unknown): void => void seen.set(tag, [...(seen.get(tag) ?? []), value]);
const record = defineTask({ name: 'builtins.record', params: ['value', 'tag'] }, (value: unknown, tag: string) => {
  note(tag, value);
  return value;
});
const collect = defineTask({ name: 'builtins.collect', params: ['values', 'tag'] }, (values: unknown[], tag: string) => {
  note(tag, values);
  return values;
});
export const replaceToTask = defineTask({ name: 'builtins.replace_to_task', params: ['x'] }, (x: number, ctx: TaskContext) => ctx.replace(add.s(x, 100)));
const replaceToChain = defineTask({ name: 'builtins.replace_to_chain', params: ['x'] }, (x: number, ctx: TaskContext) => ctx.replace(chain(add.s(x, 1), double.s())));
export const replaceToGroup = defineTask({ name: 'builtins.replace_to_group', params: ['x'] }, (x: number, ctx: TaskContext) => ctx.replace(group([double.s(x), add.s(x, 1)])));
const replaceToFail = defineTask({ name: 'builtins.replace_to_fail', params: ['msg'] }, (msg: string, ctx: TaskContext) => ctx.replace(fail.s(msg)));
const replaceIntoChord = defineTask({ name: 'builtins.replace_into_chord' }, (ctx: TaskContext) => ctx.replace({ ...add.s(1, 1), options: { chord: xsum.s() } }));

export const builtinsTasks = [add, double, xsum, fail, record, collect, replaceToTask, replaceToChain, replaceToGroup, replaceToFail, replaceIntoChord];

export interface BuiltinsTransport {
  broker(): Broker;
  backend(): ResultBackend;
}

const withOptions = (sig: SignatureData, options: Record<string, unknown>): SignatureData => ({ ...sig, options: { ...sig.options, ...options } });

export function builtinsScenarios(transport: () => BuiltinsTransport): void {
  async function setup() {
    const t = transport();
    const queue = `builtins-${crypto.randomUUID().slice(0, 8)}`;
    const backend = t.backend();
    const brokers = [t.broker(), t.broker()];
    const worker = createWorker({ broker: brokers[0]!, backend, tasks: builtinsTasks, queues: [queue], concurrency: 4 });
    await worker.start();
    const client = createClient({ broker: brokers[1]!, backend, config: { taskDefaultQueue: queue } });
    const tag = crypto.randomUUID();
    return {
      client,
      backend,
      tag,
      [Symbol.asyncDispose]: async () => {
        await worker.stop();
        await client.close();
        // Closing what the worker or client closed already is a no-op.
        for (const broker of brokers) await broker.close().catch(() => {});
        await backend.close().catch(() => {});
      },
    };
  }

  it('runs celery.map and celery.starmap: one message, the task called with each item', async () => {
    await using s = await setup();
    expect(await (await s.client.apply(double.map([1, 2, 3]))).get({ timeout: 10 })).toEqual([2, 4, 6]);
    expect(await (await s.client.apply(add.starmap([[1, 2], [3, 4]]))).get({ timeout: 10 })).toEqual([3, 7]);
    // Inside a chain: map ignores the parent's result (immutable, as Celery's), the next step gets the list.
    expect(await (await s.client.apply(chain(double.map([1, 2]), xsum.s()))).get({ timeout: 10 })).toBe(6);
  });

  it('fails celery.map with NotRegistered for a task the worker does not have', async () => {
    await using s = await setup();
    const result = await s.client.apply(signature('celery.map', [], { task: signature('nowhere.task'), it: [1] }));
    const error = await result.get({ timeout: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).excType).toBe('NotRegistered');
  });

  it('runs celery.chunks as its group of starmaps; chunksGroup sends that group directly', async () => {
    await using s = await setup();
    const items: [number, number][] = [[1, 1], [2, 2], [3, 3]];
    expect(await (await s.client.apply(add.chunks(items, 2))).get({ timeout: 10 })).toEqual([[2, 4], [6]]);
    const grouped = await s.client.apply(chunksGroup(add.chunks(items, 2)));
    expect(await grouped.get({ timeout: 10 })).toEqual([[2, 4], [6]]);
    // Inside a chain, the next step gets the list of the chunks' results.
    const chained = await s.client.apply(chain(add.chunks(items, 2), signature('builtins.collect', [s.tag])));
    expect(await chained.get({ timeout: 10 })).toEqual([[2, 4], [6]]);
  });

  it('replaces a task with a task: the result is stored under the replaced id', async () => {
    await using s = await setup();
    const result = await s.client.apply(replaceToTask.s(5));
    expect(await result.get({ timeout: 10 })).toBe(105);
    const meta = await s.backend.get(result.id);
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 105, task_id: result.id });
  });

  it('replaces a chain step with a chain: the rest of the chain and the callbacks follow the replacement', async () => {
    await using s = await setup();
    const callbackId = crypto.randomUUID();
    const replaced = withOptions(replaceToChain.s(), { link: [withOptions(record.s(s.tag), { task_id: callbackId })] });
    const result = await s.client.apply(chain(add.s(1, 1), replaced, double.s()));
    // (2 + 1) * 2 = 6 from the replacement, then * 2.
    expect(await result.get({ timeout: 10 })).toBe(12);
    expect((await s.backend.wait(callbackId, { timeout: 10 })).result).toBe(6);
    expect(seen.get(s.tag)).toEqual([6]);
  });

  it('replaces a chain step with a group: the next step and the callbacks get the list of its results', async () => {
    await using s = await setup();
    const callbackId = crypto.randomUUID();
    const replaced = withOptions(replaceToGroup.s(3), { link: [withOptions(record.s(s.tag), { task_id: callbackId })] });
    const result = await s.client.apply(chain(replaced, xsum.s()));
    expect(await result.get({ timeout: 10 })).toBe(10);
    // The caller's callback moved onto the accumulating chord body: it gets the group's list.
    expect((await s.backend.wait(callbackId, { timeout: 10 })).result).toEqual([6, 4]);
  });

  it('counts a replaced chord member once: by a task, a group and a chain', async () => {
    await using s = await setup();
    const result = await s.client.apply(chord([add.s(1, 1), replaceToTask.s(5), replaceToGroup.s(2), replaceToChain.s(1)], signature('builtins.collect', [s.tag])));
    expect(await result.get({ timeout: 10 })).toEqual([2, 105, [4, 3], 4]);
    expect(seen.get(s.tag)).toEqual([[2, 105, [4, 3], 4]]);
  });

  it('keeps the errbacks: a failing replacement calls them with the replaced id', async () => {
    await using s = await setup();
    const errbackId = crypto.randomUUID();
    const result = await s.client.apply(withOptions(replaceToFail.s('boom'), { link_error: [withOptions(record.s(s.tag), { task_id: errbackId })] }));
    const error = await result.get({ timeout: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).excType).toBe('TypeError');
    // Called the old way, with the failed task's id: the replacement's, which is the replaced task's.
    expect((await s.backend.wait(errbackId, { timeout: 10 })).result).toBe(result.id);
    expect(seen.get(s.tag)).toEqual([result.id]);
  });

  it("fails the task with Celery's error when the replacement is already part of a chord", async () => {
    await using s = await setup();
    const error = await (await s.client.apply(replaceIntoChord.s())).get({ timeout: 10 }).catch((e: unknown) => e);
    expect((error as TaskError).excType).toBe('ConfigurationError');
    expect((error as Error).message).toMatch('A signature replacing a task must not be part of a chord');
  });
}
