/**
 * The client's result graph against a real worker on the memory transport: a chain's `parent`
 * links, the `children` the worker stores and `collect()` walking them, `GroupResult`'s reads
 * (`join` in order, `waiting`, `completedCount`, `failed`, `save` / `restore`), and `ignoreResult`
 * (per call and per task): nothing stored, and `get()` refuses to wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend } from '@celerity/core';
import { ConfigurationError, TaskError, chain, chord, createMemoryBackend, createMemoryBroker, defineTask, group } from '@celerity/core';
import type { Client } from '@celerity/client';
import { AsyncResult, GroupResult, createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const fail = defineTask({ name: 'tasks.fail', params: ['message'] }, (message: string) => {
  throw Object.assign(new Error(message), { name: 'ValueError' });
});
const total = defineTask({ name: 'tasks.total', params: ['values'] }, (values: number[]) => values.reduce((a, b) => a + b, 0));
const quiet = defineTask({ name: 'tasks.quiet', params: ['x'], ignoreResult: true }, (x: number) => x);

let broker: Broker;
let backend: ResultBackend;
let client: Client;
let worker: Worker | undefined;

async function setup(): Promise<void> {
  const name = `result-graph-${crypto.randomUUID()}`;
  broker = createMemoryBroker({ name });
  backend = createMemoryBackend({ name });
  client = createClient({ broker, backend });
  worker = createWorker({ broker, backend, tasks: [add, fail, quiet, total], concurrency: 1, hostname: 'w1@test' });
  await worker.start();
}

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await client.close();
});

describe('chain results', () => {
  it('links each step to the one before it through parent, and collect() walks the stored children from the first', async () => {
    await setup();
    const last = await client.apply(chain(add.s(1, 2), add.s(10), add.s(100)));
    expect(last).toBeInstanceOf(AsyncResult);
    const result = last as AsyncResult<number>;
    expect(await result.get({ timeout: 5 })).toBe(113);
    const middle = result.parent as AsyncResult;
    const first = middle.parent as AsyncResult;
    expect(middle).toBeInstanceOf(AsyncResult);
    expect(first.parent).toBeNull();
    expect(await middle.get({ timeout: 5 })).toBe(13);
    expect(await first.get({ timeout: 5 })).toBe(3);

    // The worker stores the next step as the only child of each step.
    expect((await first.children()).map((c) => c.id)).toEqual([middle.id]);
    expect(await result.children()).toEqual([]);
    const walked: Array<[string, unknown]> = [];
    for await (const [node, value] of first.collect({ timeout: 5 })) walked.push([node.id, value]);
    expect(walked).toEqual([
      [first.id, 3],
      [middle.id, 13],
      [result.id, 113],
    ]);
  });

  it('collect() rejects with the failure of a step it reaches', async () => {
    await setup();
    const last = (await client.apply(chain(add.s(1, 2), fail.si('step two')))) as AsyncResult;
    const first = last.parent as AsyncResult;
    const seen: unknown[] = [];
    const walk = async (): Promise<void> => {
      for await (const [, value] of first.collect({ timeout: 5 })) seen.push(value);
    };
    await expect(walk()).rejects.toMatchObject({ excType: 'ValueError', excMessage: ['step two'] });
    expect(seen).toEqual([3]);
  });

  it('a result rebuilt from an id has no parent and reads children from the store', async () => {
    await setup();
    const last = (await client.apply(chain(add.s(2, 2), add.s(1)))) as AsyncResult;
    await last.get({ timeout: 5 });
    const first = client.result((last.parent as AsyncResult).id);
    expect(first.parent).toBeNull();
    expect((await first.children()).map((c) => [c.constructor.name, c.id])).toEqual([['AsyncResult', last.id]]);
  });
});

describe('chord results', () => {
  it('the body’s parent is the header, as a GroupResult in header order', async () => {
    await setup();
    const body = (await client.apply(chord([add.s(1, 1), add.s(2, 2), add.s(3, 3)], total.s()))) as AsyncResult<number>;
    expect(await body.get({ timeout: 5 })).toBe(12);
    const header = body.parent as GroupResult;
    expect(header).toBeInstanceOf(GroupResult);
    expect(await header.join({ timeout: 5 })).toEqual([2, 4, 6]);
  });

  it('a chain going on after a chord’s body does not take the header as its last step’s parent', async () => {
    await setup();
    const last = (await client.apply(chain(group([add.s(1, 1), add.s(2, 2)]), total.s(), add.s(100)))) as AsyncResult<number>;
    expect(await last.get({ timeout: 5 })).toBe(106);
    expect(last.parent).toBeNull();
  });
});

describe('GroupResult', () => {
  it('joins in member order, counts completions, and reports failure', async () => {
    await setup();
    const g = (await client.apply(group([add.s(1, 1), fail.s('second'), add.s(3, 3)]))) as GroupResult;
    expect(g).toBeInstanceOf(GroupResult);
    const values = await g.join({ timeout: 5, propagate: false });
    expect(values[0]).toBe(2);
    expect(values[1]).toBeInstanceOf(TaskError);
    expect((values[1] as TaskError).excMessage).toEqual(['second']);
    expect(values[2]).toBe(6);
    await expect(g.join({ timeout: 5 })).rejects.toMatchObject({ excType: 'ValueError' });
    expect(await g.completedCount()).toBe(2);
    expect(await g.failed()).toBe(true);
    expect(await g.successful()).toBe(false);
    expect(await g.waiting()).toBe(false);
    expect(await g.ready()).toBe(true);
    expect((await g.children()).map((r) => r.id)).toEqual(g.results.map((r) => r.id));
  });

  it('is waiting while a member is not ready; join() times out naming the group', async () => {
    await setup();
    await worker!.stop();
    worker = undefined;
    const g = (await client.apply(group([add.s(1, 1)]))) as GroupResult;
    expect(await g.waiting()).toBe(true);
    await expect(g.join({ timeout: 0.05 })).rejects.toThrow(`joining the results of group ${g.id}`);
  });

  it('save() then restore() rebuilds the members in order; forget() deletes the saved group', async () => {
    await setup();
    const a = await client.send('tasks.add', [1, 2]);
    const b = await client.send('tasks.add', [3, 4]);
    const saved = new GroupResult('saved-group-1', [a, b], backend);
    await saved.save();
    const restored = await GroupResult.restore('saved-group-1', backend);
    expect(restored?.results.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(await restored!.get({ timeout: 5 })).toEqual([3, 7]);
    expect((await client.groupResult('saved-group-1'))?.results.map((r) => r.id)).toEqual([a.id, b.id]);
    await restored!.forget();
    expect(await GroupResult.restore('saved-group-1', backend)).toBeNull();
    expect(await a.state()).toBe('PENDING');
  });

  it('a group sent by apply() can be revoked (it carries the client)', async () => {
    await setup();
    await worker!.stop();
    worker = undefined;
    const g = (await client.apply(group([add.s(1, 1), add.s(2, 2)]))) as GroupResult;
    await expect(g.revoke()).resolves.toBeUndefined();
  });
});

describe('ignoreResult', () => {
  it('per call: the worker stores nothing and get() refuses to wait', async () => {
    await setup();
    const ignored = await client.send('tasks.add', [1, 1], { ignoreResult: true });
    expect(ignored.ignored).toBe(true);
    await expect(ignored.get({ timeout: 5 })).rejects.toBeInstanceOf(ConfigurationError);
    // One worker slot: the task after it runs after it.
    const after = await client.send('tasks.add', [2, 2]);
    expect(after.ignored).toBe(false);
    expect(await after.get({ timeout: 5 })).toBe(4);
    expect(await backend.get(ignored.id)).toBeNull();
  });

  it('per task: a task defined with ignoreResult stores nothing; ignoreResult: false on the call stores it', async () => {
    await setup();
    const byDefault = await client.send(quiet, [1]);
    expect(byDefault.ignored).toBe(true);
    const overridden = await client.send(quiet, [2], { ignoreResult: false });
    expect(overridden.ignored).toBe(false);
    expect(await overridden.get({ timeout: 5 })).toBe(2);
    expect(await backend.get(byDefault.id)).toBeNull();
  });

  it('a group member applied with ignore_result is ignored, the others are not', async () => {
    await setup();
    const quietMember = add.s(1, 1);
    quietMember.options['ignore_result'] = true;
    const g = (await client.apply(group([quietMember, add.s(2, 2)]))) as GroupResult;
    expect(g.results.map((r) => r.ignored)).toEqual([true, false]);
    expect(await g.results[1]!.get({ timeout: 5 })).toBe(4);
    await expect(g.get({ timeout: 5 })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('a lone signature applied with ignore_result is ignored too', async () => {
    await setup();
    const sig = add.s(5, 5);
    sig.options['ignore_result'] = true;
    const result = (await client.apply(sig)) as AsyncResult;
    expect(result.ignored).toBe(true);
    await expect(result.get()).rejects.toThrow(/ignoreResult/);
  });
});
