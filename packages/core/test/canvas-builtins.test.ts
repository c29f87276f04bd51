/**
 * map / starmap / chunks signatures against the dicts Celery 5.2 builds for the same calls, their
 * refusals, and the replacement signature `ctx.replace()` leads to (Celery's `Task.replace`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SignatureData } from '@celerity/core';
import { ConfigurationError, chain, chunks, chunksGroup, defineTask, group, map, signature, starmap } from '@celerity/core';
import type { TaskContext } from '@celerity/core';
import { replacementSignature, runTaskEagerly } from '@celerity/core/internal';
import { resolveJob } from '../src/canvas/apply.js';

const celery = JSON.parse(readFileSync(new URL('./canvas-fixtures/builtins-celery-5.2.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const double = defineTask({ name: 'tasks.double', params: ['x'] }, (x: number) => x * 2);

describe('map / starmap / chunks signatures', () => {
  it('are the dicts Celery builds, as task methods and as functions', () => {
    expect(map('tasks.add', [1, 2])).toEqual(celery['map']);
    expect(map(signature<[number], number>('tasks.add'), [1, 2])).toEqual(celery['map']);
    expect(add.starmap([[1, 2]])).toEqual(celery['starmap']);
    expect(starmap(add, [[1, 2]])).toEqual(celery['starmap']);
    const parts = add.chunks([[1, 2], [3, 4], [5, 6]], 2);
    expect(parts).toEqual(celery['chunks']);
    expect(chunks(add.s(), [[1, 2], [3, 4], [5, 6]], 2)).toEqual(celery['chunks']);
    expect(chunksGroup(parts)).toEqual(celery['chunksGroup']);
  });

  it('map over a one-argument task carries the items as they are', () => {
    expect(double.map([1, 2, 3]).kwargs).toEqual({ task: signature('tasks.double'), it: [1, 2, 3] });
  });

  it('refuses a signature with arguments (Celery would drop them), a bad n, and items that are not argument lists', () => {
    expect(() => map(double.s(1) as never, [1])).toThrow(ConfigurationError);
    expect(() => map(double.s(1) as never, [1])).toThrow(/no arguments/);
    expect(() => add.chunks([[1, 2]], 0)).toThrow(/whole number/);
    expect(() => add.chunks([[1, 2]], 1.5)).toThrow(ConfigurationError);
    expect(() => starmap(add, [1 as never])).toThrow(/array of arguments/);
    expect(() => map(group([add.s(1, 1)]) as never, [1])).toThrow(ConfigurationError);
  });
});

const caller = {
  id: 'T',
  rootId: 'ROOT',
  group: null,
  groupIndex: null,
  embed: { callbacks: null, errbacks: null, chain: null, chord: null },
};

describe('replacementSignature (Celery Task.replace)', () => {
  it('a task takes the caller id, root and parent', () => {
    const sig = replacementSignature(caller, add.s(1, 2));
    expect(sig.task).toBe('tasks.add');
    expect(sig.args).toEqual([1, 2]);
    expect(sig.options).toEqual({ task_id: 'T', root_id: 'ROOT', parent_id: 'T', replaced_task_nesting: 1 });
  });

  it('takes the callbacks, errbacks, chord membership and the rest of the chain', () => {
    const link = signature('tasks.cb');
    const linkError = signature('tasks.eb');
    const next = { ...signature('tasks.next'), options: { task_id: 'N' } };
    const body = { ...signature('tasks.body'), options: { task_id: 'B' } };
    const sig = replacementSignature({ ...caller, group: 'G', groupIndex: 3, embed: { callbacks: [link], errbacks: [linkError], chain: [next], chord: body } }, add.s(1, 2));
    expect(sig.options).toEqual({ task_id: 'T', root_id: 'ROOT', parent_id: 'T', replaced_task_nesting: 1, link: [link], link_error: [linkError], chain: [{ ...next, options: { task_id: 'N', replaced_task_nesting: 1 } }], chord: body, group_id: 'G', group_index: 3 });
  });

  it('a chain: its last task takes the id and chord membership, the chain the links and continuation', () => {
    const link = signature('tasks.cb');
    const sig = replacementSignature({ ...caller, group: 'G', groupIndex: 0, embed: { callbacks: [link], errbacks: null, chain: null, chord: signature('tasks.body') } }, chain(add.s(1, 1), double.s()));
    const [first, last] = sig.kwargs['tasks'] as SignatureData[];
    expect(first!.options).toEqual({ replaced_task_nesting: 1 });
    expect(last!.options).toEqual({ task_id: 'T', group_id: 'G', group_index: 0, chord: signature('tasks.body'), replaced_task_nesting: 1 });
    expect(sig.options).toEqual({ root_id: 'ROOT', parent_id: 'T', link: [link], replaced_task_nesting: 1 });
  });

  it('a group becomes chord(group, celery.accumulate.s(index=0)) whose body has the id', () => {
    const sig = replacementSignature(caller, group([add.s(1, 1), add.s(2, 2)]));
    expect(sig.subtask_type).toBe('chord');
    expect((sig.kwargs['header'] as SignatureData).subtask_type).toBe('group');
    expect(sig.kwargs['body']).toEqual({ ...signature('celery.accumulate', [], { index: 0 }), options: { task_id: 'T' } });
  });

  it("counts replacements in Celery's replaced_task_nesting header", () => {
    const sig = replacementSignature({ ...caller, replacedTaskNesting: 2 }, add.s(1, 2));
    expect(sig.options['replaced_task_nesting']).toBe(3);
    const { init } = resolveJob({ sig, extras: {} }, { defaultQueue: 'celery', now: () => new Date(0), generateId: () => 'x' });
    expect(init.replacedTaskNesting).toBe(3);
  });

  it('refuses what Celery refuses', () => {
    expect(() => replacementSignature(caller, { ...add.s(1, 2), options: { chord: signature('tasks.body') } })).toThrow('A signature replacing a task must not be part of a chord');
    expect(() => replacementSignature(caller, { ...chain(add.s(1, 1)), kwargs: { tasks: [] } })).toThrow('Cannot replace with an empty chain');
    expect(() => replacementSignature(caller, null as never)).toThrow(ConfigurationError);
  });
});

describe('runTaskEagerly and ctx.replace()', () => {
  const replacer = defineTask({ name: 'tasks.replacer', params: [] }, (ctx: TaskContext) => ctx.replace(add.s(1, 2)));

  it('hands the replacement to its replace option and returns what that gives', async () => {
    const seen: SignatureData[] = [];
    const meta = await runTaskEagerly(replacer, { task: replacer.name, id: 'R' }, { replace: async (sig) => (seen.push(sig), { status: 'SUCCESS', result: 3, task_id: 'R' } as never) });
    expect(seen).toEqual([add.s(1, 2)]);
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 3 });
  });

  it('without one, returns a FAILURE naming the task', async () => {
    const meta = await runTaskEagerly(replacer, { task: replacer.name, id: 'R' });
    expect(meta).toMatchObject({ status: 'FAILURE', result: { exc_type: 'ConfigurationError', exc_message: ['tasks.replacer replaced itself, which this eager runner cannot apply'] } });
  });
});
