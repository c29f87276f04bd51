import { describe, expect, it } from 'vitest';
import type { SignatureData } from '@celerity/core';
import { InvalidTaskError, createMemoryBackend, signature } from '@celerity/core';
import { buildResultMeta } from '@celerity/core/internal';
import { chordUnlockStep, parseChordUnlock } from '../src/canvas/builtins/chord-unlock.js';

const body: SignatureData = { ...signature('tasks.xsum'), options: { task_id: 'body', link_error: [signature('tasks.on_error')] } };
const tuples = (ids: string[]) => ids.map((id) => [[id, null], null]);
const unlock = { id: 'unlock', rootId: 'root' };

async function withBackend(run: (backend: ReturnType<typeof createMemoryBackend>) => Promise<void>): Promise<void> {
  const backend = createMemoryBackend({ name: `chord-unlock-${crypto.randomUUID()}` });
  try {
    await run(backend);
  } finally {
    await backend.close();
  }
}

describe('celery.chord_unlock', () => {
  it('read Celery’s arguments: group id, body, result tuples, interval and max_retries', () => {
    const request = parseChordUnlock(['g', body], { result: tuples(['a', 'b']), interval: 0.5, max_retries: 3 });
    expect(request).toMatchObject({ groupId: 'g', memberIds: ['a', 'b'], interval: 0.5, maxRetries: 3 });
    expect(request.body.task).toBe('tasks.xsum');
    expect(parseChordUnlock(['g', body], { result: [] })).toMatchObject({ interval: 1, maxRetries: null });
  });

  it.each([
    ['no group id', [undefined, body], { result: [] }, /group id/],
    ['no body', ['g', 'tasks.xsum'], { result: [] }, /body signature/],
    ['no result list', ['g', body], {}, /kwargs.result/],
    ['a tuple without an id', ['g', body], { result: [[[null, null], null]] }, /task id at kwargs.result\[0\]/],
    ['a nested group tuple', ['g', body], { result: [[['x', null], [[['y', null], null]]]] }, /flat header/],
    ['a negative interval', ['g', body], { result: [], interval: -1 }, /interval/],
    ['fractional max_retries', ['g', body], { result: [], max_retries: 1.5 }, /max_retries/],
  ])('refuse %s with an InvalidTaskError', (_what, args, kwargs, message) => {
    expect(() => parseChordUnlock(args as unknown[], kwargs as Record<string, unknown>)).toThrow(InvalidTaskError);
    expect(() => parseChordUnlock(args as unknown[], kwargs as Record<string, unknown>)).toThrow(message);
  });

  it('check again after the interval while a member is not ready', () =>
    withBackend(async (backend) => {
      await backend.store(buildResultMeta({ taskId: 'a', status: 'SUCCESS', result: 1 }));
      await backend.store(buildResultMeta({ taskId: 'b', status: 'STARTED', result: null }));
      const request = parseChordUnlock(['g', body], { result: tuples(['a', 'b']), interval: 2, max_retries: 5 });
      expect(await chordUnlockStep(backend, unlock, request)).toEqual({ kind: 'waiting', countdown: 2, maxRetries: 5 });
    }));

  it('apply the body with the results in header order once all are in', () =>
    withBackend(async (backend) => {
      await backend.store(buildResultMeta({ taskId: 'b', status: 'SUCCESS', result: 20 }));
      await backend.store(buildResultMeta({ taskId: 'a', status: 'SUCCESS', result: 10 }));
      const outcome = await chordUnlockStep(backend, unlock, parseChordUnlock(['g', body], { result: tuples(['a', 'b']) }));
      if (outcome.kind !== 'ready') throw new Error(`expected ready, got ${outcome.kind}`);
      expect(outcome.body.args).toEqual([[10, 20]]);
      expect(outcome.body.options).toMatchObject({ task_id: 'body', parent_id: 'unlock', root_id: 'root' });
    }));

  it('fail the body with a ChordError naming the first failed member, errbacks once', () =>
    withBackend(async (backend) => {
      await backend.store(buildResultMeta({ taskId: 'a', status: 'SUCCESS', result: 1 }));
      await backend.store(buildResultMeta({ taskId: 'b', status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' } }));
      await backend.store(buildResultMeta({ taskId: 'c', status: 'FAILURE', result: { exc_type: 'KeyError', exc_message: ['k'], exc_module: 'builtins' } }));
      const outcome = await chordUnlockStep(backend, unlock, parseChordUnlock(['g', body], { result: tuples(['a', 'b', 'c']) }));
      if (outcome.kind !== 'failed') throw new Error(`expected failed, got ${outcome.kind}`);
      expect(outcome.reason).toBe("Dependency b raised ValueError('bad')");
      expect(outcome.failures.map((f) => [f.task_id, f.status, f.result])).toEqual([
        ['body', 'FAILURE', { exc_type: 'ChordError', exc_message: ["Dependency b raised ValueError('bad')"], exc_module: 'celery.exceptions' }],
      ]);
      expect(outcome.errbacks).toHaveLength(1);
      const [errbacks] = outcome.errbacks;
      expect((errbacks!.kwargs['tasks'] as SignatureData[]).map((s) => [s.task, s.args])).toEqual([['tasks.on_error', ['body']]]);
      expect(errbacks!.options).toMatchObject({ parent_id: 'unlock', root_id: 'root' });
    }));
});
