import { describe, expect, it } from 'vitest';
import { defineTask, silentLogger } from '@celerity/core';
import type { TaskContext } from '@celerity/core';
import { traceTask } from '@celerity/core/internal';
import type { TraceRequest } from '@celerity/core/internal';

const request: TraceRequest = {
  id: 't-1', name: 'tasks.probe', args: [], kwargs: {}, retries: 0, rootId: null, parentId: null, groupId: null,
  hostname: 'h', queue: 'celery', timeLimit: [null, null],
};

/** Timers fired by hand, so the tests never sleep. */
function manualTimers() {
  const pending: Array<() => void> = [];
  return {
    setTimeout: (fn: () => void) => (pending.push(fn), pending.length),
    clearTimeout: () => undefined,
    fireAll: () => pending.splice(0).forEach((fn) => fn()),
  };
}

describe('ctx.signal (created on first read)', () => {
  it('adds no listener to the worker signal when the task never reads it', async () => {
    const outer = new AbortController();
    let added = 0;
    const original = outer.signal.addEventListener.bind(outer.signal);
    outer.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => (added++, original(...args))) as AbortSignal['addEventListener'];
    const task = defineTask('tasks.probe', async () => 1);
    const outcome = await traceTask(task, request, { logger: silentLogger, signal: outer.signal, updateState: async () => {} });
    expect(outcome.kind).toBe('success');
    expect(added).toBe(0);
  });

  it('is aborted when read after the worker signal aborted, and follows an abort after the read', async () => {
    const outer = new AbortController();
    const seen: Array<[boolean, unknown]> = [];
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const task = defineTask('tasks.probe', async (ctx: TaskContext) => {
      const signal = ctx.signal;
      seen.push([signal.aborted, signal.reason]);
      await gate;
      seen.push([signal.aborted, signal.reason]);
      return 1;
    });
    const running = traceTask(task, request, { logger: silentLogger, signal: outer.signal, updateState: async () => {} });
    await Promise.resolve();
    await Promise.resolve();
    outer.abort('stop');
    go();
    await running;
    expect(seen).toEqual([[false, undefined], [true, 'stop']]);

    const late = defineTask('tasks.probe', async (ctx: TaskContext) => [ctx.signal.aborted, ctx.signal.reason]);
    const after = await traceTask(late, request, { logger: silentLogger, signal: outer.signal, updateState: async () => {} });
    expect(after.kind === 'success' && after.value).toEqual([true, 'stop']);
  });

  it('carries a soft time limit that expired before the first read', async () => {
    const timers = manualTimers();
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const task = defineTask({ name: 'tasks.probe', softTimeLimit: 1 }, async (ctx: TaskContext) => {
      await gate;
      return (ctx.signal.reason as Error).name;
    });
    const running = traceTask(task, request, { logger: silentLogger, updateState: async () => {}, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout });
    timers.fireAll();
    go();
    const outcome = await running;
    expect(outcome.kind === 'success' && outcome.value).toBe('SoftTimeLimitExceeded');
  });
});
