import { describe, expect, it } from 'vitest';
import { bindArguments, defineTask, silentLogger } from '@celerity/core';
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
