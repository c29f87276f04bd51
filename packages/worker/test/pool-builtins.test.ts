// celery.map and ctx.replace() in the thread and process pools (memory transport): the built-in
// tasks exist in each child, and a replacement asked for in a child crosses back to the worker.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, createMemoryBroker, signature, silentLogger } from '@celerity/core';
import { buildResultMeta } from '@celerity/core/internal';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import * as tasks from './fixtures/pool-tasks.js';

const tasksModule = fileURLToPath(new URL('./fixtures/pool-tasks.ts', import.meta.url));

/** A worker on `pool` over a fresh memory transport, and a client; `use` runs with both, then they stop. */
async function withPoolWorker(pool: 'threads' | 'processes', use: (parts: { client: ReturnType<typeof createClient>; backend: ReturnType<typeof createMemoryBackend> }) => Promise<void>): Promise<void> {
  const name = `pool-builtins-${crypto.randomUUID()}`;
  const broker = createMemoryBroker({ name });
  const backend = createMemoryBackend({ name });
  const worker = createWorker({ broker, backend, tasks, tasksModule, pool, concurrency: 1, logger: silentLogger });
  await worker.start();
  const client = createClient({ broker, backend });
  try {
    await use({ client, backend });
  } finally {
    await worker.stop();
    await client.close();
  }
}

describe('built-ins and replace in pools', () => {
  it.each(['threads', 'processes'] as const)('%s: celery.starmap runs in a child; a replacement asked for in a child is applied', { timeout: 60_000 }, async (pool) => {
    await withPoolWorker(pool, async ({ client, backend }) => {
      expect(await (await client.apply(tasks.add.starmap([[1, 2], [3, 4]]))).get({ timeout: 30 })).toEqual([3, 7]);
      const replaced = await client.apply(tasks.replaceWithAdd.s(41));
      expect(await replaced.get({ timeout: 30 })).toBe(42);
      expect((await backend.get(replaced.id))?.status).toBe('SUCCESS');
    });
  });

  it.each(['threads', 'processes'] as const)('%s: celery.chord_unlock runs in the worker process (where the backend is) and sends the body to a child', { timeout: 60_000 }, async (pool) => {
    await withPoolWorker(pool, async ({ client, backend }) => {
      await backend.store(buildResultMeta({ taskId: 'member', status: 'SUCCESS', result: 1 }));
      const bodyId = crypto.randomUUID();
      const body = { ...tasks.add.si(20, 22), options: { task_id: bodyId } };
      await client.apply(signature('celery.chord_unlock', ['g', body], { result: [[['member', null], null]] }));
      expect(await client.result(bodyId).get({ timeout: 30 })).toBe(42);
    });
  });
});
