/**
 * Issue 12 across languages: a Python Celery worker restores unacked messages from the same
 * `unacked_index`, at start (kombu's `on_poll_init`) and then every tenth restore tick. One started
 * with `visibility_timeout` 1 s while a live Celerity worker has held an ETA task for longer than
 * that must not hand it out again: the task runs exactly once. The Python worker consumes another
 * queue, so the only way the task could run twice is its restore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, startPythonWorker } from './harness/python.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';
import { closeClient, closeWorker } from './harness/closing.js';

const status = pythonCeleryStatus();

function suite(version: PythonCeleryVersion): void {
  let redis: RedisScratch;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;
  let client: Client;
  let queue: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await createRedisScratch();
    queue = redis.name('eta');
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
    env = { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, RECORD_URL: redis.url, VISIBILITY_TIMEOUT: '1', QUEUE: redis.name('py') };
    tsWorker = createWorker({
      // Our own restore pass is kept out of the way: only Python's may hand the task out again.
      broker: createRedisBroker({ url: redis.url, visibilityTimeout: 1, restoreInterval: 3600 }),
      backend: createRedisBackend({ url: redis.url }),
      tasks: interopTasks,
      queues: [queue],
      hostname: 'ts-eta@celerity',
    });
    await tsWorker.start();
    client = createClient({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }) });
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    await closeWorker(tsWorker);
    await pyWorker?.stop();
    await interopTasks.closeInteropTasks();
    await redis?.cleanup();
  }, 60_000);

  it('a Python worker starting with a 1 s visibility timeout leaves alone an ETA task a live Celerity worker holds', async () => {
    const record = client.task<[tag: string], string>('tasks.record');
    const sent = await record.applyAsync(['held'], { queue, countdown: 15 });
    for (let i = 0; (await redis.client.hlen('unacked')) !== 1; i++) {
      if (i > 100) throw new Error('the Celerity worker never took the ETA task');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Held past the visibility timeout before the Python worker's first restore pass.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    pyWorker = await startPythonWorker({ version, env, queues: [env['QUEUE']!] });
    expect(await sent.get({ timeout: 30 })).toBe('held');
    // Time for a copy restored while the task was held to come due and run too.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const runs = (await redis.records()).filter((r) => r.tag === 'held');
    expect(runs.map((r) => r.worker)).toEqual(['ts-eta@celerity']);
    expect(await redis.client.hlen('unacked')).toBe(0);
  }, 60_000);
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`Python Celery ${entry.celery} restorer and a Celerity worker holding an ETA task (issue 12)`, () => suite(version));
  else describe.skip(`Python Celery ${version} restorer and a Celerity worker holding an ETA task (issue 12): ${entry.unavailable}`, () => suite(version));
}
