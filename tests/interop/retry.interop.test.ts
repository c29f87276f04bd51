/**
 * Retries across Celerity and Python Celery (5.2 and 5.5) on Redis: a Celerity worker's automatic
 * retry read by a Python client (RETRY with its ValueError, then SUCCESS), a Python worker's retry
 * of a task a Celerity client sent and awaits, and the `retries` header of a Python-sent message
 * counted by a Celerity worker against `maxRetries`.
 */
import { describe, expect, it } from 'vitest';
import { TaskError } from '@celerity/core';
import type { PythonCeleryVersion } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, sendFromPython } from './harness/python.js';
import { useRedisFleet } from './harness/fleet.js';

const status = pythonCeleryStatus();

function retries(version: PythonCeleryVersion): void {
  const fleet = useRedisFleet(version, { tsWorker: { hostname: 'ts-retry@celerity' } });

  it('Celerity worker retries, Python reads RETRY with the ValueError, then SUCCESS', async () => {
    const { env, tsQueue } = fleet;
    // RETRY lasts the 0.5 s retry delay: the watcher starts first, the task only runs after a countdown.
    const id = crypto.randomUUID();
    const watching = runPythonClient(version, ['watch', id, '--timeout', '30'], env);
    await sendFromPython(version, 'tasks.flaky', [1], { queue: tsQueue, taskId: id, countdown: 5, noWait: true }, env);
    const watched = await watching;
    expect(watched.states![0]).toBe('PENDING');
    expect(watched).toMatchObject({ state: 'SUCCESS', result: 1 });
    expect(watched.states).toContain('RETRY');
    expect(watched.states!.indexOf('RETRY')).toBeLessThan(watched.states!.indexOf('SUCCESS'));
    expect(watched.retry).toMatchObject({ exc_type: 'ValueError', exc_args: ['attempt 0'] });
    expect(watched.retry!.traceback).toContain('ValueError: attempt 0');
  });

  it('Python worker retries a task a Celerity client sent; the client sees RETRY and awaits the final result', async () => {
    const { pyQueue, client } = fleet;
    const flaky = client.task<[fails: number], number>('tasks.flaky');
    const result = await flaky.applyAsync([1], { queue: pyQueue });
    const seen = new Set<string>();
    const final = result.get({ timeout: 20 });
    // Watch the state while waiting: the RETRY in between must be readable too.
    for (let i = 0; i < 400 && !seen.has('SUCCESS'); i++) {
      seen.add(await result.state());
      if (seen.has('RETRY')) {
        const meta = await result.meta();
        if (meta?.status === 'RETRY') expect(meta.result).toMatchObject({ exc_type: 'ValueError', exc_message: ['attempt 0'] });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await final).toBe(1);
    expect(seen.has('RETRY')).toBe(true);

    // Out of retries on the Python side: the Celerity client gets the ValueError.
    const exhausted = await (await flaky.applyAsync([9], { queue: pyQueue })).get({ timeout: 20 }).catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(TaskError);
    expect(exhausted).toMatchObject({ excType: 'ValueError', excMessage: ['attempt 2'], state: 'FAILURE' });
  });

  it("a Python-sent message's retries header counts against a Celerity worker's maxRetries", async () => {
    const { env, tsQueue } = fleet;
    // Already retried twice (the most tasks.flaky allows): its first failure here is final.
    const out = await sendFromPython(version, 'tasks.flaky', [9], { queue: tsQueue, retries: 2, wait: 20 }, env);
    expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'attempt 2' });
    // With one retry left it retries once more, then fails.
    const one = await sendFromPython(version, 'tasks.flaky', [9], { queue: tsQueue, retries: 1, wait: 20 }, env);
    expect(one).toMatchObject({ state: 'FAILURE', exc_message: 'attempt 2' });
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`retries: Python Celery ${entry.celery} ↔ Celerity on Redis`, () => retries(version));
  else describe.skip(`retries: Python Celery ${version} ↔ Celerity on Redis: ${entry.unavailable}`, () => retries(version));
}
