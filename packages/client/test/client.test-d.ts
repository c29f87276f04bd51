import { describe, expectTypeOf, it } from 'vitest';
import type { ImmutableSignature, Signature, TaskContext } from '@celerity/core';
import { chain, chord, defineTask, group } from '@celerity/core';
import type { AsyncResult, GroupResult, TaskRef } from '@celerity/client';
import { createClient } from '@celerity/client';

const add = defineTask('tasks.add', async (x: number, y: number) => x + y);
const multiply = defineTask('tasks.multiply', (x: number, y: number) => x * y);
const resize = defineTask({ name: 'images.resize' }, async (url: string, width: number, ctx: TaskContext) => ({ url, width, id: ctx.id }));
const tsum = defineTask('tasks.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));

const client = createClient({ broker: 'memory://' });

describe('task references', () => {
  it('take their types from a definition type', async () => {
    const ref = client.task<typeof add>('tasks.add');
    expectTypeOf(ref).toEqualTypeOf<TaskRef<[x: number, y: number], number>>();
    const result = await ref.delay(1, 2);
    expectTypeOf(result).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(result.get()).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error x must be a number
    void ref.delay('x', 1);
    // @ts-expect-error two arguments are required
    void ref.delay(1);
    // @ts-expect-error args are a tuple of numbers
    void ref.applyAsync(['1', 2]);
  });

  it('drop the context parameter and unwrap promises', async () => {
    const ref = client.task<typeof resize>('images.resize');
    expectTypeOf(ref.delay).parameters.toEqualTypeOf<[url: string, width: number]>();
    expectTypeOf(await (await ref.delay('a.png', 100)).get()).toEqualTypeOf<{ url: string; width: number; id: string }>();
  });

  it('take explicit types for tasks living in Python', async () => {
    const py = client.task<[x: number], string>('proj.tasks.describe');
    expectTypeOf((await py.applyAsync([2], { countdown: 10, priority: 5, queue: 'py' })).get()).toEqualTypeOf<Promise<string>>();
    // @ts-expect-error x is a number
    void py.delay('2');
  });

  it('take a definition value', async () => {
    const ref = client.task(multiply);
    expectTypeOf(ref).toEqualTypeOf<TaskRef<[x: number, y: number], number>>();
  });

  it('build typed signatures', () => {
    const ref = client.task<typeof add>('tasks.add');
    expectTypeOf(ref.s(2)).toEqualTypeOf<Signature<[x: number], number>>();
    expectTypeOf(ref.s(2, 2)).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(ref.si(2, 2)).toEqualTypeOf<ImmutableSignature<number>>();
    // @ts-expect-error wrong argument type in a signature
    void ref.s('2');
  });
});

describe('send', () => {
  it('is typed by the definition type', async () => {
    const result = await client.send<typeof add>('tasks.add', [4, 4]);
    expectTypeOf(result.get()).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error arguments do not match tasks.add
    void client.send<typeof add>('tasks.add', ['x', 1]);
  });

  it('is typed by explicit argument and result types, or by a definition value', async () => {
    expectTypeOf(await client.send<[string], boolean>('py.check', ['a'])).toEqualTypeOf<AsyncResult<boolean>>();
    expectTypeOf(await client.send(add, [1, 2])).toEqualTypeOf<AsyncResult<number>>();
    // @ts-expect-error arguments do not match the definition
    void client.send(add, [1, '2']);
  });

  it('is loosely typed without type arguments', async () => {
    expectTypeOf(await client.send('anything', [1, 'two', { three: 3 }])).toEqualTypeOf<AsyncResult<unknown>>();
  });
});

describe('canvas', () => {
  const a = client.task<typeof add>('tasks.add');
  const m = client.task<typeof multiply>('tasks.multiply');

  it('types a chain by its last task', async () => {
    const r = await client.apply(chain(a.s(2, 2), m.s(10)));
    expectTypeOf(r).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(r.get()).toEqualTypeOf<Promise<number>>();
  });

  it('types a group as a GroupResult of the member results, a tuple when listed inline', async () => {
    const r = await client.apply(group([a.s(1, 1), client.task(resize).s('x', 1)]));
    expectTypeOf(r).toEqualTypeOf<GroupResult<[number, { url: string; width: number; id: string }]>>();
    expectTypeOf(r.get()).toEqualTypeOf<Promise<[number, { url: string; width: number; id: string }]>>();
    expectTypeOf(r.results[0]).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(r.results[1]).toEqualTypeOf<AsyncResult<{ url: string; width: number; id: string }>>();
  });

  it('types a group built from an array as a list', async () => {
    const members = [1, 2, 3].map((n) => a.s(n, n));
    const r = await client.apply(group(members));
    expectTypeOf(r).toEqualTypeOf<GroupResult<number[]>>();
    expectTypeOf(r.get()).toEqualTypeOf<Promise<number[]>>();
  });

  it('keeps plain signatures and chords typed as single results', async () => {
    expectTypeOf(await client.apply(a.s(1, 2))).toEqualTypeOf<AsyncResult<number>>();
    // @ts-expect-error a chord is not a group: no GroupResult
    expectTypeOf(await client.apply(chord([a.s(1, 1)], client.task(tsum).s()))).toEqualTypeOf<GroupResult<number[]>>();
  });

  it('types a chord by its body', async () => {
    const r = await client.apply(chord([a.s(1, 1), a.s(2, 2)], client.task(tsum).s()));
    expectTypeOf(r.get()).toEqualTypeOf<Promise<number>>();
  });

  it('has a GroupResult class with members typed one by one', () => {
    expectTypeOf<GroupResult<[number, string]>['results']>().toEqualTypeOf<readonly [AsyncResult<number>, AsyncResult<string>]>();
    expectTypeOf<GroupResult<number[]>['results']>().toEqualTypeOf<readonly AsyncResult<number>[]>();
  });
});

describe('timeouts are in seconds everywhere', () => {
  it('AsyncResult.get, GroupResult.get and ResultBackend.wait take the same option, in seconds', () => {
    type CoreGet = Parameters<import('@celerity/core').AsyncResult['get']>[0];
    type ClientGet = Parameters<AsyncResult['get']>[0];
    type BackendWait = Parameters<import('@celerity/core').ResultBackend['wait']>[1];
    expectTypeOf<NonNullable<ClientGet>['timeout']>().toEqualTypeOf<NonNullable<CoreGet>['timeout']>();
    expectTypeOf<NonNullable<BackendWait>['timeout']>().toEqualTypeOf<NonNullable<CoreGet>['timeout']>();
    expectTypeOf<NonNullable<Parameters<GroupResult['get']>[0]>['timeout']>().toEqualTypeOf<NonNullable<CoreGet>['timeout']>();
    // The client's handle is the core contract's AsyncResult.
    expectTypeOf<AsyncResult<number>>().toExtend<import('@celerity/core').AsyncResult<number>>();
  });
});
