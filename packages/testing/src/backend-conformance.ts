/**
 * The result-backend conformance suite: every backend (memory, Redis, …) runs the same checks of
 * the `ResultBackend` contract against its real server.
 */
import type { ChordPart, ResultBackend, ResultMeta } from '@celerity/core';
import { TimeoutError } from '@celerity/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackendHarness, metaOf } from './backend-harness.js';
import type { BackendConformanceOptions, BackendHarness } from './backend-harness.js';
import { sleep } from './helpers.js';

export type { BackendConformanceOptions };

const RICH_RESULT = {
  text: 'héllo ✓ 日本語 🎉',
  'ключ': 'значение',
  nested: { list: [1, 2.5, null, true, false, { deep: ['x', { deeper: -7 }] }], empty: {}, emptyList: [] },
  nothing: null,
  big: 2 ** 40,
};

const FAILURE_RESULT = { exc_type: 'ValueError', exc_message: ['bad value', 42], exc_module: 'builtins' };
const TRACEBACK = 'Traceback (most recent call last):\n  File "tasks.py", line 3, in add\nValueError: bad value\n';

/**
 * Registers vitest `describe` / `it` blocks checking every point of the `ResultBackend` contract.
 * Each test creates its backends with `makeBackend` and uses fresh task / group ids.
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
    registerGroupTests(ctx);
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

function registerWaitTests(ctx: { h: BackendHarness }): void {
  describe('wait', () => {
    it('resolves at once for a result already stored', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const id = h.taskId();
      const meta = metaOf(id, 'SUCCESS', 42);
      await backend.store(meta);
      expect(await backend.wait(id, { timeout: h.timeout / 1000 })).toEqual(meta);
    });

    it('resolves when the result is stored right after the wait starts (no missed publish)', async () => {
      const { h } = ctx;
      const [waiter, worker] = [await h.backend(), await h.backend()];
      const id = h.taskId();
      const meta = metaOf(id, 'SUCCESS', 'quick');
      const waiting = waiter.wait(id, { timeout: h.timeout / 1000 });
      await worker.store(meta);
      expect(await waiting).toEqual(meta);
    });

    it('resolves when another backend stores the result later', async () => {
      const { h } = ctx;
      const [waiter, worker] = [await h.backend(), await h.backend()];
      const id = h.taskId();
      waiter.watch?.(id);
      const waiting = waiter.wait(id, { timeout: h.timeout / 1000 });
      await h.settle();
      const meta = metaOf(id, 'SUCCESS', { later: true });
      await worker.store(meta);
      expect(await waiting).toEqual(meta);
    });

    it('resolves (does not throw) on FAILURE and REVOKED', async () => {
      const { h } = ctx;
      const [waiter, worker] = [await h.backend(), await h.backend()];
      const failed = h.taskId();
      const revoked = h.taskId();
      const waits = [waiter.wait(failed, { timeout: h.timeout / 1000 }), waiter.wait(revoked, { timeout: h.timeout / 1000 })];
      const failure = metaOf(failed, 'FAILURE', FAILURE_RESULT, { traceback: TRACEBACK });
      const revocation = metaOf(revoked, 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' });
      await worker.storeMany([failure, revocation]);
      expect(await Promise.all(waits)).toEqual([failure, revocation]);
    });

    it('reports non-ready states through onState, then resolves on the ready one', async () => {
      const { h } = ctx;
      const [waiter, worker] = [await h.backend(), await h.backend()];
      const id = h.taskId();
      const seen: ResultMeta[] = [];
      const waiting = waiter.wait(id, { timeout: (h.timeout * 2) / 1000, onState: (meta) => void seen.push(meta) });
      // The waiter may subscribe asynchronously: report progress until it has seen some.
      for (let step = 0; seen.length === 0; step++) {
        if (step * 25 > h.timeout) throw new Error('onState never called');
        await worker.store(metaOf(id, 'PROGRESS', { step }));
        await sleep(25);
      }
      await worker.store(metaOf(id, 'STARTED', { pid: 7, hostname: 'w' }));
      await h.until(() => seen.some((m) => m.status === 'STARTED'), 'STARTED via onState');
      await worker.store(metaOf(id, 'SUCCESS', 'done'));
      expect((await waiting).result).toBe('done');
      expect(seen.every((m) => m.status === 'PROGRESS' || m.status === 'STARTED')).toBe(true);
      expect(seen.find((m) => m.status === 'PROGRESS')).toMatchObject({ task_id: id, result: { step: expect.any(Number) } });
    });

    it('rejects with TimeoutError when no result arrives in time', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      await expect(backend.wait(h.taskId(), { timeout: 0.1 })).rejects.toBeInstanceOf(TimeoutError);
    });

    it('rejects with the abort reason when the signal aborts', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      const waiting = backend.wait(h.taskId(), { signal: controller.signal, timeout: h.timeout / 1000 });
      setTimeout(() => controller.abort(reason), 20);
      await expect(waiting).rejects.toBe(reason);
      const aborted = AbortSignal.abort(reason);
      await expect(backend.wait(h.taskId(), { signal: aborted })).rejects.toBe(reason);
    });
  });
}

function registerGroupTests(ctx: { h: BackendHarness }): void {
  describe('groups and chords', () => {
    it('saves, reads and forgets a group, keeping member order', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const gid = h.groupId();
      expect(await backend.getGroup(gid)).toBeNull();
      const ids = [h.taskId(), h.taskId(), h.taskId()];
      await backend.saveGroup(gid, ids);
      expect(await backend.getGroup(gid)).toEqual(ids);
      await backend.forgetGroup(gid);
      expect(await backend.getGroup(gid)).toBeNull();
    });

    it('completes a chord exactly once under concurrent part returns, parts ordered by index', async () => {
      const { h } = ctx;
      const backends = [await h.backend(), await h.backend()];
      const gid = h.groupId();
      const size = 8;
      await backends[0]?.chordInit(gid, size);
      const parts: ChordPart[] = Array.from({ length: size }, (_, index) => ({
        taskId: h.taskId(),
        index,
        status: index === 5 ? 'FAILURE' : 'SUCCESS',
        result: index === 5 ? FAILURE_RESULT : { index, text: `part ${index} ✓` },
      }));
      const shuffled = [...parts].sort(() => Math.random() - 0.5);
      const answers = await Promise.all(
        shuffled.map((part, i) => (backends[i % backends.length] as ResultBackend).chordPartReturn(gid, part)),
      );
      const complete = answers.filter((a) => a.complete);
      expect(complete).toHaveLength(1);
      const done = complete[0];
      expect(done?.complete && done.parts).toEqual(parts);
    });

    it('does not complete a chord again when a part is returned twice (redelivered header task)', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const gid = h.groupId();
      await backend.chordInit(gid, 3);
      const parts: ChordPart[] = [0, 1, 2].map((index) => ({ taskId: h.taskId(), index, status: 'SUCCESS', result: index }));
      const answers = [];
      for (const part of parts) answers.push(await backend.chordPartReturn(gid, part));
      answers.push(await backend.chordPartReturn(gid, parts[2] as ChordPart));
      expect(answers.map((a) => a.complete)).toEqual([false, false, true, false]);
    });

    it('completes a one-part chord on its only return', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const gid = h.groupId();
      await backend.chordInit(gid, 1);
      const part: ChordPart = { taskId: h.taskId(), index: 0, status: 'SUCCESS', result: [1, 'two'] };
      expect(await backend.chordPartReturn(gid, part)).toEqual({ complete: true, parts: [part] });
    });
  });
}
