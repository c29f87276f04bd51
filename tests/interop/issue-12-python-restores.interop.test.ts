/**
 * Issue 12 across languages: what a Celerity worker that died leaves in kombu's `unacked` is restored
 * and run by a Python Celery worker (its own visibility-timeout pass), exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Delivery } from '@celerity/core';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, startPythonWorker } from './harness/python.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import { closeClient } from './harness/closing.js';

const status = pythonCeleryStatus();

function suite(version: PythonCeleryVersion): void {
  let redis: RedisScratch;
  let pyWorker: PythonWorker | undefined;
  let client: Client;

  beforeAll(async () => {
    redis = await createRedisScratch();
    client = createClient({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }) });
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    await pyWorker?.stop();
    await redis?.cleanup();
  }, 60_000);

  it('a Python worker restores and runs, once, the task a killed Celerity consumer left in unacked', async () => {
    const queue = redis.name('dead');
    const record = client.task<[tag: string], string>('tasks.record');
    const sent = await record.applyAsync(['orphan'], { queue });
    // A Celerity consumer takes it (unacked entry written) and dies: its connection is cut, it never acks.
    const commands = new Redis(redis.url);
    const doomed = createRedisBroker({ client: commands, restoreInterval: 3600 });
    const taken: Delivery[] = [];
    await doomed.consume([queue], (d) => void taken.push(d));
    for (let i = 0; taken.length === 0; i++) {
      if (i > 100) throw new Error('the Celerity consumer never took the task');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    commands.disconnect();
    expect(await redis.client.hlen('unacked')).toBe(1);
    // Past the 1 s visibility timeout, a Python worker's restore pass hands it out again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    pyWorker = await startPythonWorker({ version, env: { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, RECORD_URL: redis.url, VISIBILITY_TIMEOUT: '1' }, queues: [queue] });
    expect(await sent.get({ timeout: 30 })).toBe('orphan');
    const runs = (await redis.records()).filter((r) => r.tag === 'orphan');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.worker).toBe(pyWorker.nodeName);
    await pyWorker.stop();
    pyWorker = undefined;
    await doomed.close().catch(() => undefined);
  }, 90_000);
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`Python Celery ${entry.celery} restores what a dead Celerity consumer left (issue 12)`, () => suite(version));
  else describe.skip(`Python Celery ${version} restores what a dead Celerity consumer left (issue 12): ${entry.unavailable}`, () => suite(version));
}
