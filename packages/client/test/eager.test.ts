import { describe, expect, it } from 'vitest';
import { NotRegisteredError, TaskError, chain, chord, defineTask, group } from '@celerity/core';
import { GroupResult, createClient } from '@celerity/client';
import { RecordingBroker, memoryPair } from './helpers.js';

const add = defineTask('tasks.add', (x: number, y: number) => x + y);
const mul = defineTask('tasks.mul', async (x: number, y: number) => x * y);
const xsum = defineTask('tasks.xsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
const fail = defineTask('tasks.fail', (message: string): number => {
  throw new TypeError(message);
});
const calls: string[] = [];
const record = defineTask('tasks.record', (label: string) => void calls.push(label));
const tasks = { add, mul, xsum, fail, record };

function eagerClient() {
  const broker = new RecordingBroker(memoryPair().broker);
  return { broker, client: createClient({ broker, eager: true, tasks }) };
}

describe('eager mode', () => {
  it('runs the task at send time and stores its result, publishing nothing', async () => {
    const { client, broker } = eagerClient();
    const result = await client.send<typeof add>('tasks.add', [1, 2]);
    expect(await result.state()).toBe('SUCCESS');
    expect(await result.get()).toBe(3);
    expect(await (await client.task(mul).delay(3, 4)).get()).toBe(12);
    expect(broker.published).toEqual([]);
    await client.close();
    await broker.close();
  });

  it('stores failures as the worker would, and get() throws a TaskError', async () => {
    const { client, broker } = eagerClient();
    const result = await client.send(fail, ['nope']);
    const error = await result.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).excMessage).toEqual(['nope']);
    expect((error as TaskError).excType).toBe('TypeError');
    await client.close();
    await broker.close();
  });

  it('refuses a task it does not know', async () => {
    const { client, broker } = eagerClient();
    await expect(client.send('tasks.unknown', [])).rejects.toBeInstanceOf(NotRegisteredError);
    await client.close();
    await broker.close();
  });

  it('runs sendMany items in order', async () => {
    const { client, broker } = eagerClient();
    calls.length = 0;
    const results = await client.sendMany([{ task: 'tasks.record', args: ['a'] }, { task: record, args: ['b'] }]);
    expect(calls).toEqual(['a', 'b']);
    expect(await Promise.all(results.map((r) => r.state()))).toEqual(['SUCCESS', 'SUCCESS']);
    await client.close();
    await broker.close();
  });

  it('runs chains, passing each result on', async () => {
    const { client, broker } = eagerClient();
    const a = client.task(add);
    const m = client.task(mul);
    const result = await client.apply(chain(a.s(2, 2), m.s(10), a.s(1)));
    expect(await result.get()).toBe(41);
    const immutableChain = await client.apply(chain(a.s(2, 2), m.si(5, 5)));
    expect(await immutableChain.get()).toBe(25);
    await client.close();
    await broker.close();
  });

  it('fails the rest of a chain when a link fails', async () => {
    const { client, broker } = eagerClient();
    const result = await client.apply(chain(client.task(fail).s('early'), client.task(add).s(1)));
    await expect(result.get()).rejects.toMatchObject({ excType: 'TypeError', excMessage: ['early'] });
    await client.close();
    await broker.close();
  });

  it('runs groups and chords', async () => {
    const { client, broker } = eagerClient();
    const a = client.task(add);
    const g = await client.apply(group([a.s(1, 1), a.s(2, 2), a.s(3, 3)]));
    expect(g).toBeInstanceOf(GroupResult);
    expect(await g.get()).toEqual([2, 4, 6]);
    const c = await client.apply(chord([a.s(1, 1), a.s(2, 2)], client.task(xsum).s()));
    expect(await c.get()).toBe(6);
    const piped = await client.apply(chain(group([a.s(1, 1), a.s(2, 2)]), client.task(xsum).s(), client.task(mul).s(10), a.s(1)));
    expect(await piped.get()).toBe(61);
    await client.close();
    await broker.close();
  });

  it('fails a chord body when a header task fails', async () => {
    const { client, broker } = eagerClient();
    const c = await client.apply(chord([client.task(add).s(1, 1), client.task(fail).s('header')], client.task(xsum).s()));
    await expect(c.get()).rejects.toMatchObject({ excType: 'ChordError' });
    await client.close();
    await broker.close();
  });

  it('runs nested canvases, and fails a chord when a chain in its header fails before its last step', async () => {
    const { client, broker } = eagerClient();
    const a = client.task(add);
    const nested = await client.apply(chord([chain(a.s(1, 1), client.task(mul).s(2)), group([a.s(2, 2), a.s(3, 3)])], client.task(xsum).s()));
    expect(await nested.get()).toBe(14);
    const failing = await client.apply(chord([chain(client.task(fail).s('early'), a.s(1)), a.s(2, 2)], client.task(xsum).s()));
    await expect(failing.get()).rejects.toMatchObject({ excType: 'ChordError' });
    await client.close();
    await broker.close();
  });

  it('applies link callbacks with the result', async () => {
    const { client, broker } = eagerClient();
    calls.length = 0;
    await client.send(add, [2, 3], { link: client.task(record).s() });
    expect(calls).toEqual([5]);
    await client.close();
    await broker.close();
  });
});
