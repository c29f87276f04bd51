import { describe, expectTypeOf, it } from 'vitest';
import { chain, chord, clone, defineTask, group, signature } from '@celerity/core';
import type { AsyncResult, GroupResult } from '@celerity/client';
import { createClient } from '@celerity/client';

const add = defineTask('tasks.add', (x: number, y: number) => x + y);
const str = defineTask('tasks.str', (n: number) => String(n));
const len = defineTask('tasks.len', (s: string) => s.length);
const xsum = defineTask('tasks.xsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
const pair = defineTask('tasks.pair', (values: [number, string]) => `${values[0]}${values[1]}`);

const client = createClient({ broker: 'memory://' });
const a = client.task<typeof add>('tasks.add');
const s = client.task(str);
const l = client.task<[s: string], number>('py.tasks.len');

describe('client.apply infers the final result through the canvas', () => {
  it('of chains of 2 to 10 steps', async () => {
    expectTypeOf(await client.apply(chain(a.s(1, 1), s.s()))).toEqualTypeOf<AsyncResult<string>>();
    expectTypeOf(await client.apply(chain(a.s(1, 1), s.s(), l.s()))).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(await client.apply(chain(a.s(1, 1), a.s(2), s.s(), l.s()))).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(await client.apply(chain(a.s(1, 1), s.s(), l.s(), s.s(), l.s(), s.s()))).toEqualTypeOf<AsyncResult<string>>();
    expectTypeOf(await client.apply(chain(a.s(1, 1), a.s(1), a.s(1), a.s(1), a.s(1), a.s(1), a.s(1), s.s(), l.s(), s.s()))).toEqualTypeOf<AsyncResult<string>>();
    const r = await client.apply(chain(a.s(1, 1), s.s(), l.s()));
    expectTypeOf(r.get()).toEqualTypeOf<Promise<number>>();
  });

  it('of nested shapes', async () => {
    const groupThenPair = chain(a.s(1, 1), group([a.s(1), s.s()]), client.task(pair).s());
    expectTypeOf(await client.apply(groupThenPair)).toEqualTypeOf<AsyncResult<string>>();
    const chordInChain = chain(a.s(1, 1), chord([a.s(1), a.s(2)], client.task(xsum).s()), s.s());
    expectTypeOf(await client.apply(chordInChain)).toEqualTypeOf<AsyncResult<string>>();
    const chainsInGroup = group([chain(a.s(1, 1), s.s()), chain(s.s(1), l.s())]);
    expectTypeOf(await client.apply(chainsInGroup)).toEqualTypeOf<GroupResult<[string, number]>>();
    expectTypeOf(await client.apply(chord([a.s(2, 2), chain(a.s(1, 1), s.s())], client.task(pair).s()))).toEqualTypeOf<AsyncResult<string>>();
  });

  it('of groups, as a GroupResult of the member tuple', async () => {
    const r = await client.apply(group([a.s(1, 1), s.s(2), l.si('x')]));
    expectTypeOf(r).toEqualTypeOf<GroupResult<[number, string, number]>>();
    expectTypeOf(r.get()).toEqualTypeOf<Promise<[number, string, number]>>();
  });

  it('of cloned partial signatures', async () => {
    expectTypeOf(await client.apply(clone(a.s(10), [4]))).toEqualTypeOf<AsyncResult<number>>();
  });
});

describe('client.apply refuses what cannot run', () => {
  it('a signature or chain still waiting for a parent result', async () => {
    // @ts-expect-error add.s(10) still takes x
    await client.apply(a.s(10));
    // @ts-expect-error the chain starts with a.s(1)
    await client.apply(chain(a.s(1), s.s()));
    // @ts-expect-error a group member still takes its first argument
    await client.apply(group([a.s(1, 1), s.s()]));
    // @ts-expect-error the chord header still takes a number
    await client.apply(chord([a.s(1)], client.task(xsum).s()));
  });

  it('a chain with a mismatched step', async () => {
    // @ts-expect-error str gives a string; add takes a number first
    await client.apply(chain(a.s(1, 1), s.s(), a.s(1)));
  });

  it('but lets untyped and immutable signatures through', async () => {
    expectTypeOf(await client.apply(signature('py.anything', [1]))).toEqualTypeOf<AsyncResult<unknown>>();
    expectTypeOf(await client.apply(a.si(1, 2))).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(await client.apply(chain(l.si('x'), s.s()))).toEqualTypeOf<AsyncResult<string>>();
  });
});
