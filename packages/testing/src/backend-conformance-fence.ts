/**
 * Result-backend conformance, part four: the result fence (core's `replacesStoredState`) for
 * backends whose results persist. A stale run — redelivered, or on a worker that lost its lease —
 * finishing after a newer one must not overwrite its outcome, and a header task run twice must
 * count once in its chord. `rpc://` skips these: its results are messages, and a message already
 * sent cannot be taken back (its reader keeps a SUCCESS over anything, on its side).
 */
import type { ChordPart, ResultBackend, TaskStateName } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { FAILURE_RESULT, metaOf, requiring } from './backend-harness.js';
import type { BackendHarness } from './backend-harness.js';

const REVOKED_RESULT = { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' };

/** Every state a stale writer might store late, each through `store` and through `storeMany`. */
async function storeLate(backend: ResultBackend, id: string, states: readonly TaskStateName[]): Promise<void> {
  for (const state of states) {
    const result = state === 'FAILURE' || state === 'RETRY' ? FAILURE_RESULT : state === 'REVOKED' ? REVOKED_RESULT : `late ${state}`;
    await backend.store(metaOf(id, state, result));
    await backend.storeMany([metaOf(id, state, result)]);
  }
}

/** Registers the result-fence tests. */
export function registerFenceTests(ctx: { h: BackendHarness }): void {
  describe('result fence (persistent backends)', () => {
    it('a stored SUCCESS survives every later state from a stale run', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'persistent');
      const id = h.taskId();
      await backend.store(metaOf(id, 'SUCCESS', 'first'));
      await storeLate(backend, id, ['FAILURE', 'REVOKED', 'STARTED', 'RETRY', 'PENDING', 'PROGRESS', 'SUCCESS']);
      expect(await backend.get(id)).toMatchObject({ status: 'SUCCESS', result: 'first' });
    });

    it('a stored FAILURE or REVOKED gives way to a SUCCESS only', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'persistent');
      for (const [first, firstResult] of [['FAILURE', FAILURE_RESULT], ['REVOKED', REVOKED_RESULT]] as const) {
        const id = h.taskId();
        await backend.store(metaOf(id, first, firstResult));
        await storeLate(backend, id, ['STARTED', 'RETRY', 'PROGRESS', 'PENDING', first === 'FAILURE' ? 'REVOKED' : 'FAILURE', first]);
        expect(await backend.get(id)).toMatchObject({ status: first, result: firstResult });
        await backend.store(metaOf(id, 'SUCCESS', 'succeeded later'));
        expect(await backend.get(id)).toMatchObject({ status: 'SUCCESS', result: 'succeeded later' });
      }
    });

    it('a retry reuses its task id: RETRY, STARTED, RETRY, SUCCESS each replace the last', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'persistent');
      const id = h.taskId();
      const seen: string[] = [];
      for (const state of ['STARTED', 'RETRY', 'STARTED', 'RETRY', 'STARTED', 'SUCCESS'] as const) {
        await backend.store(metaOf(id, state, state === 'RETRY' ? FAILURE_RESULT : state === 'SUCCESS' ? 7 : null));
        seen.push((await backend.get(id))?.status ?? 'PENDING');
      }
      expect(seen).toEqual(['STARTED', 'RETRY', 'STARTED', 'RETRY', 'STARTED', 'SUCCESS']);
      expect((await backend.get(id))?.result).toBe(7);
    });

    it('storeMany fences each entry, in order, against what was stored before and earlier in the batch', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'persistent');
      const [done, failed, fresh, retried] = [h.taskId(), h.taskId(), h.taskId(), h.taskId()];
      await backend.store(metaOf(done, 'SUCCESS', 'done'));
      await backend.store(metaOf(failed, 'FAILURE', FAILURE_RESULT));
      await backend.store(metaOf(retried, 'RETRY', FAILURE_RESULT));
      await backend.storeMany([
        metaOf(done, 'FAILURE', FAILURE_RESULT),
        metaOf(failed, 'STARTED', null),
        metaOf(fresh, 'STARTED', null),
        metaOf(retried, 'SUCCESS', 'retried'),
        metaOf(fresh, 'FAILURE', FAILURE_RESULT),
        metaOf(fresh, 'STARTED', null),
        metaOf(done, 'STARTED', null),
        metaOf(retried, 'FAILURE', FAILURE_RESULT),
        metaOf(failed, 'SUCCESS', 'recovered'),
      ]);
      expect(await backend.get(done)).toMatchObject({ status: 'SUCCESS', result: 'done' });
      expect(await backend.get(failed)).toMatchObject({ status: 'SUCCESS', result: 'recovered' });
      expect(await backend.get(fresh)).toMatchObject({ status: 'FAILURE', result: FAILURE_RESULT });
      expect(await backend.get(retried)).toMatchObject({ status: 'SUCCESS', result: 'retried' });
    });

    it('wait resolves with the first outcome, not with a stale one stored after it', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'persistent');
      const id = h.taskId();
      const waiting = backend.wait(id, { timeout: h.timeout / 1000 });
      await backend.storeMany([metaOf(id, 'SUCCESS', 'first'), metaOf(id, 'FAILURE', FAILURE_RESULT)]);
      expect(await waiting).toMatchObject({ status: 'SUCCESS', result: 'first' });
    });

    it('counts a chord part once when its task runs twice and returns something else the second time', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'chords');
      const gid = h.groupId();
      await backend.chordInit(gid, 3);
      const parts: ChordPart[] = [0, 1, 2].map((index) => ({ taskId: h.taskId(), index, status: 'SUCCESS', result: `run 1 of ${index}` }));
      const [p0, p1, p2] = parts as [ChordPart, ChordPart, ChordPart];
      const answers = [];
      answers.push(await backend.chordPartReturn(gid, p0));
      answers.push(await backend.chordPartReturn(gid, p1));
      answers.push(await backend.chordPartReturn(gid, { ...p1, result: 'run 2, another value' }));
      answers.push(await backend.chordPartReturn(gid, { ...p0, status: 'FAILURE', result: FAILURE_RESULT }));
      answers.push(await backend.chordPartReturn(gid, p2));
      expect(answers.map((a) => a.complete)).toEqual([false, false, false, false, true]);
      const last = answers[4];
      expect(last?.complete && last.parts).toEqual(parts);
    });
  });
}
