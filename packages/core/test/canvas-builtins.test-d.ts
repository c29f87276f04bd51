import { describe, expectTypeOf, it } from 'vitest';
import type { ChunksSignature, GroupSignature, MapSignature, SignatureResult, TaskContext } from '@celerity/core';
import { chunks, chunksGroup, defineTask, map, starmap } from '@celerity/core';

const add = defineTask('tasks.add', async (x: number, y: number) => x + y);
const shout = defineTask('tasks.shout', (text: string, ctx: TaskContext) => `${text}!${ctx.id}`);
const greet = defineTask('tasks.greet', (name?: string) => `hi ${name ?? ''}`);

describe('map / starmap / chunks types', () => {
  it('map over a task taking T needs T[] and returns the list of its results', () => {
    expectTypeOf(map(shout, ['a', 'b'])).toEqualTypeOf<MapSignature<string>>();
    expectTypeOf(shout.map(['a'])).toEqualTypeOf<MapSignature<string>>();
    expectTypeOf(greet.map(['a'])).toEqualTypeOf<MapSignature<string>>();
    expectTypeOf(map(shout.s(), ['a'])).toEqualTypeOf<MapSignature<string>>();
    expectTypeOf<SignatureResult<MapSignature<string>>>().toEqualTypeOf<string[]>();
    // @ts-expect-error numbers into a string parameter
    map(shout, [1, 2]);
    // @ts-expect-error numbers into a string parameter
    shout.map([1]);
    // @ts-expect-error add takes two arguments: map calls it with one
    map(add, [1, 2]);
    // @ts-expect-error add takes two arguments: map calls it with one
    add.map([1]);
  });

  it('starmap and chunks need argument tuples', () => {
    expectTypeOf(starmap(add, [[1, 2]])).toEqualTypeOf<MapSignature<number>>();
    expectTypeOf(add.starmap([[1, 2]])).toEqualTypeOf<MapSignature<number>>();
    expectTypeOf(add.chunks([[1, 2]], 10)).toEqualTypeOf<ChunksSignature<number>>();
    expectTypeOf(chunks(add, [[1, 2]], 10)).toEqualTypeOf<ChunksSignature<number>>();
    expectTypeOf(chunksGroup(add.chunks([[1, 2]], 10))).toEqualTypeOf<GroupSignature<number[][]>>();
    // @ts-expect-error a string where add takes a number
    starmap(add, [[1, 'x']]);
    // @ts-expect-error one argument short
    add.starmap([[1]]);
    // @ts-expect-error a string where add takes a number
    add.chunks([['x', 1]], 2);
  });

  it('a task known only by name gives untyped results', () => {
    expectTypeOf(map('tasks.echo', [1, 'a'])).toEqualTypeOf<MapSignature<unknown>>();
    expectTypeOf(chunks('tasks.add', [[1, 2]], 1)).toEqualTypeOf<ChunksSignature<unknown>>();
  });
});
