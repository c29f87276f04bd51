/**
 * The result-backend conformance suite: every backend (memory, Redis, rpc://, …) runs the same
 * checks of the `ResultBackend` contract against its real server. What a backend cannot do by its
 * `capabilities` (chords) is skipped, by capability, never by test name.
 */
import type { ResultBackend } from '@celerity/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerFenceTests } from './backend-conformance-fence.js';
import { registerGroupTests } from './backend-conformance-groups.js';
import { registerRequestTests, registerWaitTests } from './backend-conformance-wait.js';
import { createBackendHarness, FAILURE_RESULT, metaOf, RICH_RESULT, TRACEBACK } from './backend-harness.js';
import type { BackendConformanceOptions, BackendHarness } from './backend-harness.js';

export type { BackendConformanceOptions };

/**
 * Registers vitest `describe` / `it` blocks checking every point of the `ResultBackend` contract.
 * Each test creates its backends with `makeBackend` and uses fresh task / group ids. Backends made
 * by one `makeBackend` must reach each other's results as a worker's reach its client: through a
 * shared server (persistent backends), or, for a reply-queue backend, through the reply queue in
 * the request a state is stored with (and through a shared own reply queue when stored without one).
 * Chord tests skip themselves unless `capabilities.chords`, result-fence tests unless
 * `capabilities.persistent`.
 * @example
 * runBackendConformance('redis', () => createRedisBackend({ url: 'redis://127.0.0.1:6379/4' }));
 */
export function runBackendConformance(
  name: string,
  makeBackend: () => Promise<ResultBackend> | ResultBackend,
  options: BackendConformanceOptions = {},
): void {
  const ctx = { h: undefined as unknown as BackendHarness };
  describe(`Result backend conformance: ${name}`, { timeout: (options.timeout ?? 10_000) * 3 }, () => {
    beforeEach(() => {
      ctx.h = createBackendHarness(makeBackend, options);
    });
    afterEach(async () => {
      await ctx.h.dispose();
    });
    registerStoreTests(ctx);
    registerWaitTests(ctx);
    registerRequestTests(ctx);
    registerGroupTests(ctx);
    registerFenceTests(ctx);
  });
}

function registerStoreTests(ctx: { h: BackendHarness }): void {
  describe('store / get', () => {
    it('get of an unknown task is null', async () => {
      const backend = await ctx.h.backend();
      expect(await backend.get(ctx.h.taskId())).toBeNull();
    });

    it('stores the record key for key, extended fields included', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const id = h.taskId();
      const meta = metaOf(id, 'SUCCESS', 3, {
        children: [[[`${id}-child`, null], null]],
        group_id: 'g-1',
        parent_id: 'p-1',
        name: 'tasks.add',
        args: [1, 2],
        kwargs: { z: 'ü' },
        worker: 'celery@host',
        retries: 2,
        queue: 'celery',
      });
      await backend.store(meta);
      expect(await backend.get(id)).toEqual(meta);
    });

    it('keeps unicode and nested values', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const id = h.taskId();
      await backend.store(metaOf(id, 'SUCCESS', RICH_RESULT));
      expect((await backend.get(id))?.result).toEqual(RICH_RESULT);
      expect((await backend.wait(id, { timeout: h.timeout / 1000 })).result).toEqual(RICH_RESULT);
    });

    it('stores FAILURE with its exception dict and traceback', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const id = h.taskId();
      const meta = metaOf(id, 'FAILURE', FAILURE_RESULT, { traceback: TRACEBACK });
      await backend.store(meta);
      expect(await backend.get(id)).toEqual(meta);
    });

    it('never overwrites SUCCESS, but other states can be replaced', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const done = h.taskId();
      await backend.store(metaOf(done, 'SUCCESS', 'first'));
      await backend.store(metaOf(done, 'FAILURE', FAILURE_RESULT));
      await backend.store(metaOf(done, 'STARTED', { pid: 1, hostname: 'w' }));
      await backend.storeMany([metaOf(done, 'RETRY', FAILURE_RESULT), metaOf(done, 'SUCCESS', 'second')]);
      expect(await backend.get(done)).toMatchObject({ status: 'SUCCESS', result: 'first' });
      const retried = h.taskId();
      await backend.store(metaOf(retried, 'STARTED', null));
      await backend.store(metaOf(retried, 'FAILURE', FAILURE_RESULT));
      expect((await backend.get(retried))?.status).toBe('FAILURE');
      await backend.store(metaOf(retried, 'SUCCESS', 'recovered'));
      expect(await backend.get(retried)).toMatchObject({ status: 'SUCCESS', result: 'recovered' });
    });

    it('storeMany stores every record', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const metas = [h.taskId(), h.taskId(), h.taskId()].map((id, i) => metaOf(id, 'SUCCESS', i));
      await backend.storeMany(metas);
      for (const meta of metas) expect(await backend.get(meta.task_id)).toEqual(meta);
    });

    it('forget deletes the record', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const id = h.taskId();
      await backend.store(metaOf(id, 'SUCCESS', 1));
      await backend.forget(id);
      expect(await backend.get(id)).toBeNull();
    });

    it('stores a copy: later mutation of the stored or returned objects changes nothing', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const id = h.taskId();
      const result = { list: [1, 2], name: 'original' };
      const meta = metaOf(id, 'SUCCESS', result);
      await backend.store(meta);
      result.list.push(3);
      result.name = 'changed';
      const got = await backend.get(id);
      expect(got?.result).toEqual({ list: [1, 2], name: 'original' });
      (got?.result as { list: number[] }).list.push(4);
      expect((await backend.get(id))?.result).toEqual({ list: [1, 2], name: 'original' });
    });

    it('close is idempotent; later operations fail with a CLOSED error; asyncDispose closes', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      await backend.close();
      await backend.close();
      await expect(backend.get(h.taskId())).rejects.toMatchObject({ code: 'CLOSED' });
      const other = await h.backend();
      await other[Symbol.asyncDispose]();
      await expect(other.store(metaOf(h.taskId(), 'SUCCESS', 1))).rejects.toMatchObject({ code: 'CLOSED' });
    });
  });
}
