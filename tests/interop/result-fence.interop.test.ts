/**
 * Python Celery (5.2 and 5.5) reads what the fenced Redis store leaves: a SUCCESS kept against a
 * stale FAILURE / STARTED, a FAILURE kept against a stale STARTED and then replaced by a SUCCESS,
 * and a RETRY followed by the SUCCESS of the same task id (a retry reuses it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient } from './harness/python.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';

const status = pythonCeleryStatus();
const failure = { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' };
const meta = (id: string, state: string, result: unknown): ResultMeta => ({
  status: state,
  result,
  traceback: state === 'FAILURE' ? 'Traceback (most recent call last):\nValueError: boom\n' : null,
  children: [],
  date_done: state === 'SUCCESS' || state === 'FAILURE' ? '2026-12-06T20:00:00.000000+00:00' : null,
  task_id: id,
});

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  describe.skipIf(!isAvailable(entry))(`Python Celery ${version} reads fenced results`, () => {
    let redis: RedisScratch;
    let backend: ResultBackend;
    const pythonGet = (id: string) => runPythonClient(version, ['get', id, '--timeout', '10'], { BROKER_URL: redis.url, RESULT_BACKEND: redis.url });

    beforeAll(async () => {
      redis = await createRedisScratch();
      backend = createRedisBackend({ url: redis.url });
      await backend.connect();
    });
    afterAll(async () => {
      await backend?.close();
      await redis?.cleanup();
    });

    it('a SUCCESS stays what Python reads after a stale FAILURE and STARTED', async () => {
      const id = randomUUID();
      await backend.store(meta(id, 'SUCCESS', { sum: 5 }));
      await backend.store(meta(id, 'FAILURE', failure));
      await backend.storeMany([meta(id, 'STARTED', { pid: 1, hostname: 'stale' })]);
      expect(await pythonGet(id)).toMatchObject({ state: 'SUCCESS', result: { sum: 5 } });
    });

    it('a FAILURE stays against a stale STARTED, and gives way to a SUCCESS', async () => {
      const id = randomUUID();
      await backend.store(meta(id, 'FAILURE', failure));
      await backend.store(meta(id, 'STARTED', { pid: 1, hostname: 'stale' }));
      expect(await pythonGet(id)).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'boom' });
      await backend.store(meta(id, 'SUCCESS', 'recovered'));
      expect(await pythonGet(id)).toMatchObject({ state: 'SUCCESS', result: 'recovered' });
    });

    it('RETRY then SUCCESS of the same task id ends SUCCESS', async () => {
      const id = randomUUID();
      await backend.store(meta(id, 'RETRY', failure));
      await backend.store(meta(id, 'STARTED', { pid: 1, hostname: 'w' }));
      await backend.store(meta(id, 'SUCCESS', 8));
      expect(await pythonGet(id)).toMatchObject({ state: 'SUCCESS', result: 8 });
    });
  });
}
