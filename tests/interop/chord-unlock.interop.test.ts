/**
 * `celery.chord_unlock` sent by Python Celery 5.2 and 5.5 clients and run by a Celerity worker, on
 * one Redis: the client applies a plain group header and then calls Celery's own
 * `Backend.fallback_chord_unlock(group_result, body)` (what a chord does on a backend without
 * native chord counting), so the message is Celery's. The Celerity worker runs the header, the
 * unlock (retrying until the header is in) and the body, or sends the body to a Python worker by
 * its task route; a failing member gives the body Celery's ChordError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { closeWorker } from './harness/closing.js';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, startPythonWorker } from './harness/python.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();

function scenarios(version: PythonCeleryVersion): void {
  let redis: RedisScratch;
  let env: Record<string, string>;
  let tsWorker: Worker;
  let lateWorker: Worker | undefined;
  let pyWorker: PythonWorker;
  let tsQueue: string;
  let lateQueue: string;
  let pyQueue: string;
  /** Ids of the celery.chord_unlock runs that retried, one entry per retry. */
  const unlockRetries: string[] = [];
  let onRetry: (() => void) | undefined;

  beforeAll(async () => {
    redis = await createRedisScratch();
    tsQueue = redis.name('ts');
    lateQueue = redis.name('late');
    pyQueue = redis.name('py');
    env = { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, QUEUE: tsQueue };
    tsWorker = createWorker({
      broker: createRedisBroker({ url: redis.url }),
      backend: createRedisBackend({ url: redis.url }),
      tasks: interopTasks,
      queues: [tsQueue],
      concurrency: 4,
      // The body only Python has goes to the Python worker by this route.
      config: { taskRoutes: { 'tasks.py_join': { queue: pyQueue } } },
      hooks: {
        taskRetry: (e) => {
          if (e.task !== 'celery.chord_unlock') return;
          unlockRetries.push(e.id);
          onRetry?.();
        },
      },
    });
    await tsWorker.start();
    pyWorker = await startPythonWorker({ version, env: { ...env, QUEUE: pyQueue }, queues: [pyQueue] });
  }, 120_000);

  afterAll(async () => {
    await closeWorker(lateWorker);
    await closeWorker(tsWorker);
    await pyWorker?.stop();
    await redis?.cleanup();
  }, 60_000);

  const unlockFromPython = (header: unknown[], body: unknown, interval = 0.2) =>
    runPythonClient(version, ['chord-unlock', JSON.stringify(header), JSON.stringify(body), '--interval', String(interval), '--timeout', '60'], env);

  it('runs the unlock, retrying while a member is pending, then the body with the results in header order', { timeout: 120_000 }, async () => {
    unlockRetries.length = 0;
    // The first member waits on a queue no worker reads until the unlock has retried once.
    const firstRetry = new Promise<void>((resolve) => (onRetry = resolve));
    const pending = unlockFromPython([{ task: 'tasks.echo', args: ['late'], options: { queue: lateQueue } }, { task: 'tasks.add', args: [1, 2], options: { queue: tsQueue } }], { task: 'tasks.echo', options: { queue: tsQueue } });
    await firstRetry;
    onRetry = undefined;
    lateWorker = createWorker({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [lateQueue] });
    await lateWorker.start();
    expect(await pending).toMatchObject({ state: 'SUCCESS', result: ['late', 3] });
    expect(unlockRetries.length).toBeGreaterThanOrEqual(1);
    // One unlock message, retried under its own id.
    expect(new Set(unlockRetries).size).toBe(1);
  });

  it("fails the body with Celery's ChordError naming the failed member", { timeout: 120_000 }, async () => {
    const out = await unlockFromPython([{ task: 'tasks.add', args: [1, 1], options: { queue: tsQueue } }, { task: 'tasks.fail', args: ['boom'], options: { queue: tsQueue } }], { task: 'tasks.echo', options: { queue: tsQueue } });
    expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'ChordError' });
    expect(out.exc_message).toMatch(/^Dependency [0-9a-f-]{36} raised ValueError\('boom'\)$/);
  });

  it('sends the body to a Python worker by its route', { timeout: 120_000 }, async () => {
    // No queue on the body: Celery sends the unlock to the default queue (the Celerity worker's), the worker routes the body.
    const out = await unlockFromPython([{ task: 'tasks.echo', args: [[1]], options: { queue: tsQueue } }, { task: 'tasks.echo', args: [[2]], options: { queue: tsQueue } }], { task: 'tasks.py_join' });
    expect(out).toMatchObject({ state: 'SUCCESS', result: [1, 2, 'py'] });
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`Python Celery ${entry.celery} client → Celerity worker: celery.chord_unlock`, () => scenarios(version));
  else describe.skip(`Python Celery ${version}: ${entry.unavailable}`, () => it('is unavailable', () => {}));
}
