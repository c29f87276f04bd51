// map / starmap / chunks and ctx.replace() on the memory transport (canvas-builtins-scenarios.ts).
import { describe, expect, it } from 'vitest';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import { createMemoryBackend, createMemoryBroker } from '@celerity/core';
import { add, builtinsScenarios, builtinsTasks, replaceToTask } from './canvas-builtins-scenarios.js';

describe('canvas built-ins and replace on memory', () => {
  builtinsScenarios(() => {
    const name = `builtins-${crypto.randomUUID()}`;
    return { broker: () => createMemoryBroker({ name }), backend: () => createMemoryBackend({ name }) };
  });
});

describe('a replaced run on memory', () => {
  it('stores nothing of its own and calls taskPostrun with IGNORED and the replacement', async () => {
    const name = `replaced-${crypto.randomUUID()}`;
    const broker = createMemoryBroker({ name });
    const backend = createMemoryBackend({ name });
    const postrun: Array<{ task: string; state: string; result: unknown }> = [];
    const stored: string[] = [];
    const recording = new Proxy(backend, {
      get(target, key, receiver) {
        if (key === 'store') return (meta: { status: string; task_id: string }, ...rest: unknown[]) => (stored.push(meta.status), (target.store as (...a: unknown[]) => Promise<void>)(meta, ...rest));
        if (key === 'storeMany') return (metas: Array<{ status: string }>, ...rest: unknown[]) => (stored.push(...metas.map((m) => m.status)), (target.storeMany as (...a: unknown[]) => Promise<void>)(metas, ...rest));
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const worker = createWorker({ broker, backend: recording, tasks: builtinsTasks, hooks: { taskPostrun: (e) => void postrun.push({ task: e.task, state: e.state, result: e.result }) } });
    await worker.start();
    const client = createClient({ broker, backend });
    try {
      const result = await client.apply(replaceToTask.s(1));
      expect(await result.get({ timeout: 10 })).toBe(101);
      // One record, the replacement's SUCCESS: the replaced run stored nothing.
      expect(stored).toEqual(['SUCCESS']);
      expect(postrun.find((e) => e.task === 'builtins.replace_to_task')).toMatchObject({ state: 'IGNORED', result: { task: add.name, args: [1, 100] } });
    } finally {
      await worker.stop();
      await client.close();
    }
  });
});
