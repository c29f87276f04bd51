/**
 * `celerity beat` sends ordinary Celery messages: a Python Celery worker runs the ticks of an
 * every-second entry, and a `run-now`.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, startPythonWorker } from './harness/python.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';

const cli = fileURLToPath(new URL('../../scripts/celerity.ts', import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx', cli];
const status = pythonCeleryStatus();

function celerity(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...NODE_ARGS, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function matrix(version: PythonCeleryVersion): void {
  let redis: RedisScratch;
  let worker: PythonWorker;
  let queue: string;
  const recordKey = 'celerity:records';

  beforeAll(async () => {
    redis = await createRedisScratch();
    queue = redis.name('beat');
    worker = await startPythonWorker({ version, env: { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, QUEUE: queue, RECORD_KEY: recordKey }, queues: [queue] });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await redis?.cleanup();
  }, 60_000);

  it('runs the ticks an every-second entry sends, and a run-now', async () => {
    const common = ['-b', redis.url, '--prefix', `${redis.token}:beat:`];
    const added = await celerity(['beat', 'add', 'rec', '--task', 'tasks.record', '--every', '1', '--args', '["tick"]', '--queue', queue, ...common]);
    expect(added).toMatchObject({ code: 0, stdout: "Added beat entry 'rec': tasks.record, every 1s.\n" });
    const beat = spawn(process.execPath, [...NODE_ARGS, 'beat', ...common, '--lease', '2', '--poll', '0.2'], { stdio: 'ignore' });
    try {
      const ticks = await waitFor(
        async () => {
          const all = (await redis.records(recordKey)).filter((r) => r.tag === 'tick');
          return all.length >= 2 ? all : undefined;
        },
        { timeout: 30_000, interval: 100, message: 'two ticks' },
      );
      expect(ticks.every((r) => r.lang === 'py' && r.worker === worker.nodeName)).toBe(true);
    } finally {
      beat.kill('SIGTERM');
      await new Promise((resolve) => beat.once('close', resolve));
    }
    // run-now sends an entry at once, whatever its schedule (here a one-off far in the future).
    await celerity(['beat', 'add', 'later', '--task', 'tasks.record', '--at', '2099-01-01T00:00:00Z', '--args', '["now"]', '--queue', queue, ...common]);
    const now = await celerity(['beat', 'run-now', 'later', ...common]);
    expect(now).toMatchObject({ code: 0, stdout: "Sent tasks.record for beat entry 'later'.\n" });
    const ran = await waitFor(async () => (await redis.records(recordKey)).find((r) => r.tag === 'now'), { timeout: 30_000, interval: 100, message: 'the run-now task' });
    expect(ran.lang).toBe('py');
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  describe.skipIf(!isAvailable(entry))(`celerity beat and Python Celery ${version}`, () => matrix(version));
}
