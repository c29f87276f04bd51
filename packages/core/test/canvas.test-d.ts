import { describe, expectTypeOf, it } from 'vitest';
import type { GroupSignature, ImmutableSignature, Signature, SignatureArgs } from '@celerity/core';
import { chain, chord, clone, defineTask, group, immutable, signature } from '@celerity/core';

const add = defineTask('tasks.add', (x: number, y: number) => x + y);
const mul = defineTask('tasks.mul', (x: number, y: number) => x * y);
const xsum = defineTask('tasks.xsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
const str = defineTask('tasks.str', (n: number) => String(n));
const len = defineTask('tasks.len', (s: string) => s.length);
const concat = defineTask('tasks.concat', (a: string, b: string) => a + b);
const pair = defineTask('tasks.pair', (values: [number, string]) => `${values[0]}${values[1]}`);
const pad = defineTask('tasks.pad', (s: string, width?: number) => s.padStart(width ?? 0));
const total = defineTask('tasks.total', (...values: number[]) => values.reduce((a, b) => a + b, 0));
const wide = defineTask('tasks.wide', (value: number | string) => String(value));

describe('chain', () => {
  it('infers the last step result for chains of 2 to 10 steps', () => {
    expectTypeOf(chain(add.s(1, 1), str.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(add.s(1, 1), str.s(), len.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(chain(add.s(1, 1), mul.s(2), str.s(), concat.s('!'))).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(add.s(1, 1), mul.s(2), add.s(3), str.s(), len.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(chain(add.s(1, 1), str.s(), len.s(), str.s(), len.s(), str.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(add.s(1, 1), mul.s(2), add.s(3), mul.s(4), add.s(5), mul.s(6), str.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(add.s(1, 1), str.s(), concat.s('a'), len.s(), add.s(1), str.s(), pad.s(), len.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(chain(add.s(1, 1), add.s(1), add.s(1), add.s(1), add.s(1), add.s(1), add.s(1), add.s(1), str.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(str.s(1), len.s(), str.s(), len.s(), str.s(), len.s(), str.s(), len.s(), str.s(), len.s())).toEqualTypeOf<Signature<[], number>>();
  });

  it('type-checks a chain of 20 steps', () => {
    const c = chain(
      add.s(1, 1), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1),
      mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), str.s(), len.s(),
    );
    expectTypeOf(c).toEqualTypeOf<Signature<[], number>>();
    // @ts-expect-error step 20 gets a number from step 19
    chain(add.s(1, 1), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), mul.s(2), add.s(1), add.s(1), len.s());
  });

  it('refuses a step whose first parameter does not take the previous result', () => {
    // @ts-expect-error add returns a number, concat takes a string first
    chain(add.s(1, 1), concat.s('x'));
    // @ts-expect-error len takes a string, str's result goes to len, then len's number to concat
    chain(add.s(1, 1), str.s(), len.s(), concat.s('x'));
    // @ts-expect-error a mismatch in the middle of a longer chain
    chain(add.s(1, 1), mul.s(2), len.s(), str.s(), len.s());
  });

  it('refuses a complete signature after the first step (the previous result would be one argument too many)', () => {
    // @ts-expect-error add.s(2, 2) already holds both arguments
    chain(add.s(1, 1), add.s(2, 2));
    // @ts-expect-error str.s(5) is complete
    chain(add.s(1, 1), str.s(5));
  });

  it('takes steps spread from a list (unchecked past the listed ones)', () => {
    const steps = [1, 2, 3].map((n) => add.s(n));
    expectTypeOf(chain(add.s(1, 1), ...steps)).toEqualTypeOf<Signature<[], number>>();
  });

  it('needs at least one step', () => {
    // @ts-expect-error an empty chain
    chain();
  });

  it('refuses a step missing more than the previous result', () => {
    // @ts-expect-error add.s() needs two arguments, a chain step gets one
    chain(add.s(1, 1), add.s());
  });

  it('takes immutable steps anywhere, whatever came before', () => {
    expectTypeOf(chain(add.s(1, 1), concat.si('a', 'b'), len.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(chain(add.s(1, 1), immutable(concat.s('a', 'b')))).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(concat.si('a', 'b'), len.s())).toEqualTypeOf<Signature<[parent?: unknown], number>>();
  });

  it('accepts a wider first parameter, optional trailing parameters and rest parameters', () => {
    expectTypeOf(chain(add.s(1, 1), wide.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(str.s(1), pad.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(str.s(1), pad.s(4))).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(add.s(1, 1), total.s(1, 2))).toEqualTypeOf<Signature<[], number>>();
    // @ts-expect-error total takes numbers only
    chain(str.s(1), total.s(1, 2));
  });

  it('takes what its first step takes, so a partial chain is a chain step', () => {
    const partial = chain(mul.s(2), str.s());
    expectTypeOf(partial).toEqualTypeOf<Signature<[x: number], string>>();
    expectTypeOf(chain(add.s(1, 1), partial, len.s())).toEqualTypeOf<Signature<[], number>>();
    // @ts-expect-error the partial chain starts with mul, which takes a number
    chain(str.s(1), partial);
  });

  it('leaves untyped signatures unchecked', () => {
    expectTypeOf(chain(add.s(1, 1), signature('py.anything', ['x']), len.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(chain(add.s(1, 1), signature<[n: number], string>('py.str'))).toEqualTypeOf<Signature<[], string>>();
    // @ts-expect-error a typed Python task is checked like any other
    chain(add.s(1, 1), signature<[s: string], number>('py.len'));
  });
});

describe('.s() holds trailing arguments', () => {
  it('types what is left to prepend', () => {
    expectTypeOf(add.s()).toEqualTypeOf<Signature<[x: number, y: number], number>>();
    expectTypeOf(add.s(2)).toEqualTypeOf<Signature<[x: number], number>>();
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<[], number>>();
    // pad(s, width?): .s(4) holds the width, .s('x') is a complete call (the parent's result would be s, 'x' the width).
    expectTypeOf(pad.s(4)).toEqualTypeOf<Signature<[s: string], string>>();
    expectTypeOf(pad.s('x')).toEqualTypeOf<Signature<[], string>>();
    // add2(x, y?): .s(5) is a complete call or, in a chain, add2(previous, 5).
    const add2 = defineTask('tasks.add2', (x: number, y?: number) => x + (y ?? 0));
    expectTypeOf(add2.s(5)).toEqualTypeOf<Signature<[parent?: number], number>>();
    expectTypeOf(chain(add.s(1, 1), add2.s(5))).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf<SignatureArgs<ReturnType<typeof concat.si>>>().toEqualTypeOf<[parent?: unknown]>();
    // @ts-expect-error three arguments for a task of two
    add.s(1, 2, 3);
    // @ts-expect-error concat.s(1) would hold b, a string
    concat.s(1);
  });
});

describe('group', () => {
  it('returns a tuple of its members results', () => {
    expectTypeOf(group([add.s(1, 1), str.s(1), concat.si('a', 'b')])).toEqualTypeOf<GroupSignature<[number, string, string]>>();
    expectTypeOf(group([add.s(1, 1), str.s(1)])).toExtend<Signature<[], [number, string]>>();
  });

  it('passes the previous result to every member when it is a chain step; the next step gets the tuple', () => {
    const g = group([mul.s(2), str.s()]);
    expectTypeOf(g).toEqualTypeOf<GroupSignature<[number, string], [parent: number]>>();
    expectTypeOf(chain(add.s(1, 1), g)).toEqualTypeOf<Signature<[], [number, string]>>();
    expectTypeOf(chain(add.s(1, 1), g, pair.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chain(add.s(1, 1), group([mul.s(2), mul.s(3)]), xsum.s(), str.s())).toEqualTypeOf<Signature<[], string>>();
    // @ts-expect-error the group gives [number, string]; xsum takes number[]
    chain(add.s(1, 1), g, xsum.s());
    // @ts-expect-error one member (len) does not take a number
    chain(add.s(1, 1), group([mul.s(2), len.s()]));
    // @ts-expect-error a complete member cannot take the previous result
    chain(add.s(1, 1), group([mul.s(2), add.s(1, 1)]));
  });

  it('takes anything when all members are immutable, and starts when all members can', () => {
    expectTypeOf(group([add.si(1, 1), str.si(2)])).toEqualTypeOf<GroupSignature<[number, string], [parent?: unknown]>>();
    expectTypeOf(chain(str.s(1), group([add.si(1, 1), str.si(2)]), pair.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(group([wide.s(), wide.s(1)])).toEqualTypeOf<GroupSignature<[string, string], [parent: never]>>();
  });

  it('nests chains, groups and chords inside; a nested group is unrolled into its members, as Celery does', () => {
    const inner = group([chain(mul.s(2), str.s()), chord([add.s(1), mul.s(2)], xsum.s()), group([str.s(), add.s(1)])]);
    expectTypeOf(inner).toEqualTypeOf<GroupSignature<[string, number, string, number], [parent: number]>>();
    expectTypeOf(chain(add.s(1, 1), inner)).toEqualTypeOf<Signature<[], [string, number, string, number]>>();
    // A chord's body gets a header group's members' results in line.
    expectTypeOf(chord([add.s(1, 1), group([add.s(2, 2), add.s(3, 3)])], xsum.s())).toEqualTypeOf<Signature<[], number>>();
    // @ts-expect-error str takes a number, not the list of header results
    chord([add.s(1, 1), group([add.s(2, 2), add.s(3, 3)])], str.s());
    // @ts-expect-error the nested chain starts with len, which takes a string
    chain(add.s(1, 1), group([chain(len.s(), str.s()), add.s(1)]));
  });

  it('checks three levels deep: a chord inside a chain inside a group inside a chain', () => {
    const deep = chain(add.s(1, 1), group([len.si('abc'), chain(mul.s(2), chord([add.s(1), mul.s(3)], xsum.s()), str.s())]), pair.s());
    expectTypeOf(deep).toEqualTypeOf<Signature<[], string>>();
    // @ts-expect-error the innermost chord's body (str) gets [number, number]
    chain(add.s(1, 1), group([chain(mul.s(2), chord([add.s(1), mul.s(3)], str.s())), len.si('abc')]));
    // @ts-expect-error the group gives [string, number], pair takes [number, string]
    chain(add.s(1, 1), group([chain(mul.s(2), chord([add.s(1), mul.s(3)], xsum.s()), str.s()), len.si('abc')]), pair.s());
  });
});

describe('chord', () => {
  it('types a chord by its body, which gets the header results', () => {
    expectTypeOf(chord([add.s(1, 1), add.s(2, 2)], xsum.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(chord([add.s(1, 1), str.s(2)], pair.s())).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chord([add.s(1, 1), add.s(2, 2)], chain(xsum.s(), str.s()))).toEqualTypeOf<Signature<[], string>>();
    expectTypeOf(chord([add.s(1, 1)], concat.si('a', 'b'))).toEqualTypeOf<Signature<[], string>>();
  });

  it('refuses a body that does not take the header results', () => {
    // @ts-expect-error the header gives [number, string], xsum takes number[]
    chord([add.s(1, 1), str.s(2)], xsum.s());
    // @ts-expect-error str takes one number, not a list
    chord([add.s(1, 1)], str.s());
    // @ts-expect-error a complete body cannot take the header results
    chord([add.s(1, 1)], xsum.s([1]));
    // @ts-expect-error the body chain starts with len, which takes a string
    chord([add.s(1, 1)], chain(len.s(), str.s()));
  });

  it('is a chain step: the header takes the previous result, the next step the body result', () => {
    const c = chord([mul.s(2), add.s(1)], xsum.s());
    expectTypeOf(c).toEqualTypeOf<Signature<[parent: number], number>>();
    expectTypeOf(chain(add.s(1, 1), c, str.s())).toEqualTypeOf<Signature<[], string>>();
    // @ts-expect-error the header takes a number, str gives a string
    chain(str.s(1), c);
    // @ts-expect-error the chord returns a number, len takes a string
    chain(add.s(1, 1), c, len.s());
  });

  it('leaves the body unchecked when a header member is untyped', () => {
    expectTypeOf(chord([add.s(1, 1), signature('py.anything')], xsum.s())).toEqualTypeOf<Signature<[], number>>();
  });

  it('builds its header from a list too', () => {
    const header = [1, 2, 3].map((n) => add.s(n, n));
    expectTypeOf(chord(header, xsum.s())).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(group(header)).toEqualTypeOf<GroupSignature<number[]>>();
    // @ts-expect-error the header gives number[], len takes a string
    chord(header, len.s());
  });
});

describe('clone', () => {
  it('prepends arguments: what is left to take shrinks', () => {
    expectTypeOf(clone(mul.s(10), [4])).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(clone(add.s(), [1])).toEqualTypeOf<Signature<[x: number], number>>();
    expectTypeOf(clone(add.s(1, 2))).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(clone(add.s(1, 2), [], { y: 3 }, { queue: 'math' })).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(clone(group([mul.s(2), mul.s(3)]), [4])).toEqualTypeOf<GroupSignature<[number, number], []>>();
    // @ts-expect-error mul takes a number first
    clone(mul.s(10), ['4']);
    // @ts-expect-error add.s(1, 2) takes nothing more
    clone(add.s(1, 2), [3]);
  });

  it('keeps an immutable signature as it is, whatever is prepended (ignored, as Celery does)', () => {
    expectTypeOf(clone(add.si(1, 2), [3])).toEqualTypeOf<ImmutableSignature<number>>();
  });
});
