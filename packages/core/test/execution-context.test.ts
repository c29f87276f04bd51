import { describe, expect, it } from 'vitest';
import { defineTask, silentLogger } from '@celerity/core';
import { bindArguments } from '../src/task-params.js';
import type { TaskContext, TaskStateName } from '@celerity/core';
import { traceTask } from '@celerity/core/internal';
import type { TraceRequest } from '@celerity/core/internal';

const request: TraceRequest = {
  id: 't-1', name: 'tasks.probe', args: [], kwargs: {}, retries: 2, rootId: 'r-1', parentId: 'p-1', groupId: null,
  hostname: 'h', queue: 'q', timeLimit: [null, null],
};

// A destructured context is not recognised by name, hence `params: []`.
describe('the task context', () => {
  it('carries the request fields and works destructured', async () => {
    const states: Array<[TaskStateName, unknown]> = [];
    let seen: Record<string, unknown> = {};
    const task = defineTask({ name: 'tasks.probe', params: [] }, async ({ id, name, retries, rootId, parentId, groupId, hostname, queue, args, kwargs, signal, updateState, retry, logger }: TaskContext) => {
      seen = { id, name, retries, rootId, parentId, groupId, hostname, queue, args, kwargs, aborted: signal.aborted, logger, retry: typeof retry };
      await updateState('PROGRESS', { done: 1 });
      return 1;
    });
    const outcome = await traceTask(task, request, { logger: silentLogger, updateState: async (state, meta) => void states.push([state, meta]) });
    expect(outcome.kind).toBe('success');
    expect(seen).toEqual({ id: 't-1', name: 'tasks.probe', retries: 2, rootId: 'r-1', parentId: 'p-1', groupId: null, hostname: 'h', queue: 'q', args: [], kwargs: {}, aborted: false, logger: silentLogger, retry: 'function' });
    expect(states).toEqual([['PROGRESS', { done: 1 }]]);
  });

  it('retries through a destructured retry()', async () => {
    const task = defineTask({ name: 'tasks.probe', params: [] }, ({ retry }: TaskContext) => retry({ countdown: 5 }));
    const outcome = await traceTask(task, request, { logger: silentLogger, updateState: async () => {} });
    expect(outcome.kind).toBe('retry');
  });

  it('passes updateState meta as null when left out', async () => {
    const states: unknown[] = [];
    const task = defineTask('tasks.probe', async (ctx: TaskContext) => ctx.updateState('PROGRESS'));
    await traceTask(task, request, { logger: silentLogger, updateState: async (_state, meta) => void states.push(meta) });
    expect(states).toEqual([null]);
  });
});

describe('bindArguments with positional args only', () => {
  it('returns a copy of args when they fit', () => {
    const args = [1, 2];
    const bound = bindArguments('add', ['x', 'y'], args, {});
    expect(bound).toEqual([1, 2]);
    expect(bound).not.toBe(args);
    expect(bindArguments('f', ['x', 'y?'], [1], {})).toEqual([1]);
    expect(bindArguments('f', ['a', '...rest'], [1, 2, 3], {})).toEqual([1, 2, 3]);
    expect(bindArguments('f', ['...rest'], [], {})).toEqual([]);
  });
  it('still fails like Python', () => {
    expect(() => bindArguments('add', ['x', 'y'], [1], {})).toThrow("add() missing 1 required positional argument: 'y'");
    expect(() => bindArguments('add', ['x', 'y'], [1, 2, 3], {})).toThrow('add() takes 2 positional arguments but 3 were given');
    expect(() => bindArguments('f', [], [1], {})).toThrow('f() takes 0 positional arguments but 1 were given');
  });
});

describe('traceTask outcomes without time limits', () => {
  const env = { logger: silentLogger, updateState: async () => {} };
  it('takes a plain value, a promise and a thenable alike', async () => {
    const plain = defineTask({ name: 'tasks.plain', params: [] }, () => 1);
    const promised = defineTask({ name: 'tasks.promised', params: [] }, async () => 2);
    const thenable = defineTask({ name: 'tasks.thenable', params: [] }, () => ({ then: (resolve: (v: number) => void) => resolve(3) }));
    for (const [task, value] of [[plain, 1], [promised, 2], [thenable, 3]] as const) {
      const outcome = await traceTask(task, request, env);
      expect(outcome).toMatchObject({ kind: 'success', value });
    }
  });
  it('turns a synchronous throw and a rejection into failures', async () => {
    const sync = defineTask({ name: 'tasks.sync', params: [] }, () => {
      throw new Error('sync');
    });
    const rejected = defineTask({ name: 'tasks.rejected', params: [] }, async () => {
      throw new Error('async');
    });
    const a = await traceTask(sync, request, env);
    const b = await traceTask(rejected, request, env);
    expect(a.kind === 'failure' && a.exception.exc_message).toEqual(['sync']);
    expect(b.kind === 'failure' && b.exception.exc_message).toEqual(['async']);
  });
  it('turns a binding error into a failure', async () => {
    const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
    const outcome = await traceTask(add, { ...request, args: [1] }, env);
    expect(outcome.kind === 'failure' && outcome.exception.exc_type).toBe('TypeError');
  });
});
