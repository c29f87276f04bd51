// Eager mode running Celery's built-ins (map / starmap / chunks) and ctx.replace() in-process.
import { describe, expect, it } from 'vitest';
import type { TaskContext } from '@celerity/core';
import { chain, chord, defineTask, group } from '@celerity/core';
import { createClient } from '@celerity/client';
import { RecordingBroker, memoryPair } from './helpers.js';

const add = defineTask('tasks.add', (x: number, y: number) => x + y);
const double = defineTask('tasks.double', (x: number) => x * 2);
const xsum = defineTask('tasks.xsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
const toTask = defineTask('tasks.to_task', (x: number, ctx: TaskContext) => ctx.replace(add.s(x, 100)));
const toChain = defineTask('tasks.to_chain', (x: number, ctx: TaskContext) => ctx.replace(chain(add.s(x, 1), double.s())));
const toGroup = defineTask('tasks.to_group', (x: number, ctx: TaskContext) => ctx.replace(group([double.s(x), add.s(x, 1)])));
const collect = defineTask('tasks.collect', (values: unknown[]) => values);
const tasks = { add, double, xsum, collect, toTask, toChain, toGroup };

async function withEagerClient(fn: (client: ReturnType<typeof createClient>, broker: RecordingBroker) => Promise<void>): Promise<void> {
  const broker = new RecordingBroker(memoryPair().broker);
  const client = createClient({ broker, eager: true, tasks });
  try {
    await fn(client, broker);
  } finally {
    await client.close();
    await broker.close();
  }
}

describe('eager mode: built-ins and replace', () => {
  it('runs map, starmap and chunks in-process', async () => {
    await withEagerClient(async (client, broker) => {
      expect(await (await client.apply(double.map([1, 2, 3]))).get()).toEqual([2, 4, 6]);
      expect(await (await client.apply(add.starmap([[1, 2], [3, 4]]))).get()).toEqual([3, 7]);
      expect(await (await client.apply(add.chunks([[1, 1], [2, 2], [3, 3]], 2))).get()).toEqual([[2, 4], [6]]);
      expect(broker.published).toEqual([]);
    });
  });

  it('replaces a task with a task, a chain and a group, under the replaced id', async () => {
    await withEagerClient(async (client) => {
      const replaced = await client.apply(toTask.s(5));
      expect(await replaced.get()).toBe(105);
      expect((await client.backend?.get(replaced.id))?.task_id).toBe(replaced.id);
      expect(await (await client.apply(chain(toChain.s(2), double.s()))).get()).toBe(12);
      expect(await (await client.apply(chain(toGroup.s(3), xsum.s()))).get()).toBe(10);
      // Chord members replaced by a task and by a group, each counted once.
      expect(await (await client.apply(chord([toTask.s(1), toGroup.s(1)], collect.s()))).get()).toEqual([101, [2, 2]]);
    });
  });
});
