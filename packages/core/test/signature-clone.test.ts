import { describe, expect, it } from 'vitest';
import { chain, chord, clone, defineTask, group, signature } from '@celerity/core';

const add = defineTask('tasks.add', (x: number, y: number) => x + y);
const xsum = defineTask('tasks.xsum', (values: number[]) => values.reduce((a, b) => a + b, 0));

describe('clone (Celery Signature.clone)', () => {
  it('copies a signature unchanged when given nothing', () => {
    const sig = signature('tasks.add', [1, 2], { z: 3 }, { options: { queue: 'math' } });
    const copy = clone(sig);
    expect(copy).toEqual(sig);
    expect(copy).not.toBe(sig);
    expect(copy.args).not.toBe(sig.args);
    expect(copy.kwargs).not.toBe(sig.kwargs);
    expect(copy.options).not.toBe(sig.options);
  });

  it('prepends new arguments and merges keyword arguments over the old ones', () => {
    const copy = clone(signature('tasks.f', [10], { a: 1, b: 2 }), [4, 5], { b: 20, c: 30 });
    expect(copy.args).toEqual([4, 5, 10]);
    expect(copy.kwargs).toEqual({ a: 1, b: 20, c: 30 });
    expect(clone(add.s(10), [4]).args).toEqual([4, 10]);
  });

  it('merges options over the old ones, keeping group_id and stamped headers already set', () => {
    const sig = signature('tasks.f', [], {}, { options: { queue: 'a', group_id: 'g1', stamped_headers: ['stamp'], stamp: 'old', priority: 1 } });
    const copy = clone(sig, [], {}, { queue: 'b', group_id: 'g2', stamp: 'new', countdown: 5 });
    expect(copy.options).toEqual({ queue: 'b', group_id: 'g1', stamped_headers: ['stamp'], stamp: 'old', priority: 1, countdown: 5 });
    expect(clone(signature('tasks.f'), [], {}, { group_id: 'g2' }).options).toEqual({ group_id: 'g2' });
  });

  it('keeps the arguments of an immutable signature but merges its options', () => {
    const sig = add.si(1, 2);
    const copy = clone(sig, [3], { z: 1 }, { queue: 'math' });
    expect(copy.args).toEqual([1, 2]);
    expect(copy.kwargs).toEqual({});
    expect(copy.options).toEqual({ queue: 'math' });
    expect(copy.immutable).toBe(true);
  });

  it('deep-copies options: changing the copy leaves the original alone', () => {
    const link = add.s(1);
    const sig = signature('tasks.f', [], {}, { options: { link: [link] } });
    const copy = clone(sig);
    (copy.options['link'] as Array<{ args: unknown[] }>)[0]!.args.push(99);
    expect(link.args).toEqual([1]);
    expect(sig.options).toEqual({ link: [link] });
  });

  it('copies the signatures a chain, group or chord holds', () => {
    const c = chain(add.s(1, 1), add.s(10));
    const copy = clone(c);
    expect(copy).toEqual(c);
    expect((copy.kwargs['tasks'] as unknown[])[0]).not.toBe((c.kwargs['tasks'] as unknown[])[0]);

    const g = group([add.s(1, 1), add.s(2, 2)]);
    const gCopy = clone(g, [], {}, { queue: 'q' });
    expect(gCopy.subtask_type).toBe('group');
    expect(gCopy.kwargs['tasks']).toEqual(g.kwargs['tasks']);
    expect((gCopy.kwargs['tasks'] as unknown[])[1]).not.toBe((g.kwargs['tasks'] as unknown[])[1]);
    expect(gCopy.options).toEqual({ queue: 'q' });

    const ch = chord([add.s(1, 1)], xsum.s());
    const chCopy = clone(ch);
    expect(chCopy).toEqual(ch);
    expect(chCopy.kwargs['body']).not.toBe(ch.kwargs['body']);
    expect(chCopy.kwargs['header']).not.toBe(ch.kwargs['header']);
  });

  it('refuses options that are not plain data with a TypeError naming the task', () => {
    const sig = signature('tasks.f', [], {}, { options: { hook: () => 1 } });
    expect(() => clone(sig)).toThrow(TypeError);
    expect(() => clone(sig)).toThrow(/clone\(tasks\.f\): options must be plain data/);
  });
});
