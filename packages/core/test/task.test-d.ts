import { describe, expectTypeOf, it } from 'vitest';
import type { GroupSignature, ImmutableSignature, Signature, SignatureData, TaskArgs, TaskContext, TaskResult } from '@celerity/core';
import { chain, chord, defineTask, group } from '@celerity/core';

const add = defineTask('tasks.add', async (x: number, y: number) => x + y);
const resize = defineTask({ name: 'images.resize', params: ['url', 'width'] }, async (url: string, width: number, ctx: TaskContext) => `${url}${width}${ctx.id}`);
const concat = defineTask('tasks.concat', (a: string, b: string) => a + b);

describe('defineTask types', () => {
  it('infers arguments and the awaited result', () => {
    expectTypeOf<TaskArgs<typeof add>>().toEqualTypeOf<[x: number, y: number]>();
    expectTypeOf<TaskResult<typeof add>>().toEqualTypeOf<number>();
  });

  it('drops a trailing context parameter from the arguments', () => {
    expectTypeOf<TaskArgs<typeof resize>>().toEqualTypeOf<[url: string, width: number]>();
    expectTypeOf<TaskResult<typeof resize>>().toEqualTypeOf<string>();
  });

  it('types signatures, including partial ones', () => {
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<[], number>>();
    // Celery prepends the parent's result: add.s(1) holds y and still takes x.
    expectTypeOf(add.s(1)).toEqualTypeOf<Signature<[x: number], number>>();
    expectTypeOf(resize.s(100)).toEqualTypeOf<Signature<[url: string], string>>();
    expectTypeOf(add.si(1, 2)).toEqualTypeOf<ImmutableSignature<number>>();
    // @ts-expect-error a string is not a number
    add.s('1');
    // @ts-expect-error resize.s('x') would hold the width, a number
    resize.s('x');
    // @ts-expect-error too many arguments
    add.si(1, 2, 3);
    // @ts-expect-error wrong type in an immutable signature
    concat.si('a', 1);
  });

  it('types a chain by its last link and refuses a step that cannot take the previous result', () => {
    expectTypeOf(chain(concat.s('a', 'b'), concat.s('x'))).toEqualTypeOf<Signature<[], string>>();
    // @ts-expect-error add returns a number; concat's first parameter is a string
    chain(add.s(1, 1), concat.s('x'));
  });

  it('types a group as a group signature of its member results', () => {
    const g = group([add.s(1, 1), concat.s('a', 'b')]);
    expectTypeOf(g).toEqualTypeOf<GroupSignature<[number, string]>>();
    expectTypeOf(g.subtask_type).toEqualTypeOf<'group'>();
    expectTypeOf(group([1, 2].map((n) => add.s(n, n)))).toEqualTypeOf<GroupSignature<number[]>>();
    // A group is still a plain signature dict.
    expectTypeOf(g).toMatchTypeOf<SignatureData>();
  });

  it('types a chord by its body and a chain ending in a group by the group', () => {
    const join = defineTask('tasks.join', (parts: number[], sep: string) => parts.join(sep));
    expectTypeOf(chord([add.s(1, 1)], join.s(','))).toEqualTypeOf<Signature<[], string>>();
    // @ts-expect-error the body gets [number], concat takes a string
    chord([add.s(1, 1)], concat.s('x'));
    expectTypeOf(chain(add.s(1, 1), group([add.s(1), add.s(2)]))).toEqualTypeOf<Signature<[], [number, number]>>();
  });
});
