/**
 * Result-backend conformance, part two: `wait` (push, timeouts, aborts, progress) and where states
 * are routed by the request they are stored with.
 */
import type { ResultMeta } from '@celerity/core';
import { TimeoutError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { FAILURE_RESULT, metaOf, TRACEBACK } from './backend-harness.js';
import type { BackendHarness } from './backend-harness.js';
import { sleep } from './helpers.js';

/** Registers the `wait` tests. */
export function registerWaitTests(ctx: { h: BackendHarness }): void {
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
      await waiter.watch?.(id);
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

/** Registers the request-routing tests. */
export function registerRequestTests(ctx: { h: BackendHarness }): void {
  describe('requests (where a state is routed)', () => {
    it('a state stored with a request reaches the caller that watched with it, from a backend that never saw the task', async () => {
      const { h } = ctx;
      const [caller, worker] = [await h.backend(), await h.backend()];
      const id = h.taskId();
      const request = h.request(id);
      await caller.watch?.(id, request);
      const waiting = caller.wait(id, { timeout: h.timeout / 1000 });
      const meta = metaOf(id, 'SUCCESS', { routed: true });
      await worker.store(meta, request);
      expect(await waiting).toEqual(meta);
    });

    it('storeMany routes each state by its own request; only persistent results are visible to other callers', async () => {
      const { h } = ctx;
      const [first, second, worker] = [await h.backend(), await h.backend(), await h.backend()];
      const [a, b] = [h.taskId(), h.taskId()];
      const [requestA, requestB] = [h.request(a), h.request(b)];
      await first.watch?.(a, requestA);
      await second.watch?.(b, requestB);
      const waits = [first.wait(a, { timeout: h.timeout / 1000 }), second.wait(b, { timeout: h.timeout / 1000 })];
      const metas = [metaOf(a, 'SUCCESS', 'for the first'), metaOf(b, 'FAILURE', FAILURE_RESULT, { traceback: TRACEBACK })];
      await worker.storeMany(metas, [requestA, requestB]);
      expect(await Promise.all(waits)).toEqual(metas);
      if (worker.capabilities.persistent) {
        expect(await first.get(b)).toEqual(metas[1]);
        expect(await second.get(a)).toEqual(metas[0]);
      } else if (worker.capabilities.replyQueue) {
        // Sent to the other caller's reply queue: this one never sees it.
        expect(await first.get(b)).toBeNull();
        expect(await second.get(a)).toBeNull();
      }
    });
  });
}
