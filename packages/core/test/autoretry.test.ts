/** Celery's automatic retry options through the tracer: autoretryFor, dontAutoretryFor, backoff, jitter, the cap, exhaustion. */
import { describe, expect, it } from 'vitest';
import { defineTask, silentLogger, UnrecoverableError } from '@celerity/core';
import type { TaskDefinition } from '@celerity/core';
import { traceTask } from '@celerity/core/internal';
import type { TraceOutcome, TraceRequest } from '@celerity/core/internal';
import { autoretryCountdown } from '../src/execution/autoretry.js';

class HttpError extends Error {
  override name = 'HttpError';
}
class NotFound extends HttpError {
  override name = 'NotFound';
}
class Flaky extends Error {}

const request = (retries: number): TraceRequest => ({
  id: 'id-1', name: 'tasks.r', args: [1], kwargs: {}, retries, rootId: null, parentId: null, groupId: null, hostname: 'h', queue: 'celery', timeLimit: [null, null],
});
const now = Date.UTC(2030, 0, 1);
const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
const run = (task: TaskDefinition, retries = 0): Promise<TraceOutcome> => traceTask(task, request(retries), { logger: silentLogger, updateState: async () => {}, clock });
const throwing = (error: () => Error, options: Partial<Parameters<typeof defineTask>[0] & object> = {}): TaskDefinition =>
  defineTask({ name: 'tasks.r', params: ['x'], ...options }, () => {
    throw error();
  }) as TaskDefinition;

describe('autoretryFor / dontAutoretryFor', () => {
  it('retries errors listed by class (subclasses too) or by name, with the error stored', async () => {
    const byClass = await run(throwing(() => new NotFound('gone'), { autoretryFor: [HttpError] }));
    expect(byClass).toMatchObject({ kind: 'retry', countdown: 180, exception: { exc_type: 'NotFound', exc_message: ['gone'] } });
    expect((byClass as { eta: Date }).eta.getTime()).toBe(now + 180_000);
    expect(await run(throwing(() => new Flaky('x'), { autoretryFor: ['Flaky'] }))).toMatchObject({ kind: 'retry' });
    expect(await run(throwing(() => new HttpError('x'), { autoretryFor: ['HttpError'] }))).toMatchObject({ kind: 'retry' });
    expect(await run(throwing(() => new Flaky('x'), { autoretryFor: [HttpError] }))).toMatchObject({ kind: 'failure' });
    expect(await run(throwing(() => new UnrecoverableError('x'), { autoretryFor: [Error] }))).toMatchObject({ kind: 'failure' });
  });

  it('dontAutoretryFor wins over autoretryFor, by class or by name', async () => {
    expect(await run(throwing(() => new NotFound('x'), { autoretryFor: [HttpError], dontAutoretryFor: [NotFound] }))).toMatchObject({ kind: 'failure', exception: { exc_type: 'NotFound' } });
    expect(await run(throwing(() => new NotFound('x'), { autoretryFor: [Error], dontAutoretryFor: ['NotFound'] }))).toMatchObject({ kind: 'failure' });
    expect(await run(throwing(() => new HttpError('x'), { autoretryFor: [Error], dontAutoretryFor: ['NotFound'] }))).toMatchObject({ kind: 'retry' });
  });

  it('fails with the original error once maxRetries are used up', async () => {
    const task = throwing(() => new HttpError('still down'), { autoretryFor: [HttpError], maxRetries: 2 });
    expect(await run(task, 1)).toMatchObject({ kind: 'retry' });
    const exhausted = await run(task, 2);
    expect(exhausted).toMatchObject({ kind: 'failure', exception: { exc_type: 'HttpError', exc_message: ['still down'] } });
    expect((exhausted as { error: unknown }).error).toBeInstanceOf(HttpError);
  });
});

describe('backoff', () => {
  it('without jitter: exact doubling countdowns from the base, capped at retryBackoffMax', async () => {
    const task = throwing(() => new Flaky('x'), { autoretryFor: [Flaky], retryBackoff: 3, retryJitter: false, retryBackoffMax: 20, maxRetries: null });
    const countdowns: number[] = [];
    for (let n = 0; n < 6; n++) countdowns.push(((await run(task, n)) as { countdown: number }).countdown);
    expect(countdowns).toEqual([3, 6, 12, 20, 20, 20]);
    const plain = throwing(() => new Flaky('x'), { autoretryFor: [Flaky], retryBackoff: true, retryJitter: false, maxRetries: null });
    expect(((await run(plain, 4)) as { countdown: number }).countdown).toBe(16);
    // The 600 s default cap.
    expect(((await run(plain, 12)) as { countdown: number }).countdown).toBe(600);
  });

  it('with jitter (the default): a whole number of seconds between 0 and the backoff', () => {
    const task = throwing(() => new Flaky('x'), { autoretryFor: [Flaky], retryBackoff: true, retryBackoffMax: 100 });
    expect(autoretryCountdown(task, 3, () => 0)).toBe(0);
    expect(autoretryCountdown(task, 3, () => 0.999999)).toBe(8);
    expect(autoretryCountdown(task, 10, () => 0.999999)).toBe(100);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const countdown = autoretryCountdown(task, 2);
      expect(Number.isInteger(countdown)).toBe(true);
      expect(countdown).toBeGreaterThanOrEqual(0);
      expect(countdown).toBeLessThanOrEqual(4);
      seen.add(countdown);
    }
    expect(seen.size).toBe(5);
  });

  it('through the tracer with jitter: bounded by the backoff', async () => {
    const task = throwing(() => new Flaky('x'), { autoretryFor: [Flaky], retryBackoff: 2, maxRetries: null });
    for (let i = 0; i < 50; i++) {
      const { countdown } = (await run(task, 3)) as { countdown: number };
      expect(countdown).toBeGreaterThanOrEqual(0);
      expect(countdown).toBeLessThanOrEqual(16);
    }
  });

  it('without retryBackoff an automatic retry waits defaultRetryDelay', async () => {
    const task = throwing(() => new Flaky('x'), { autoretryFor: [Flaky], defaultRetryDelay: 7 });
    expect(await run(task, 0)).toMatchObject({ kind: 'retry', countdown: 7 });
  });
});
