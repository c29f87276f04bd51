// celery.chord_unlock on a Celerity worker (memory transport, fake clock): what a Python client
// sends for a chord when its backend cannot count parts (the live run is tests/interop/chord-unlock.interop.test.ts).
import { describe, expect, it } from 'vitest';
import type { ResultBackend, SignatureData } from '@celerity/core';
import { createMemoryBackend, createMemoryBroker, defineTask, signature, silentLogger } from '@celerity/core';
import { buildResultMeta } from '@celerity/core/internal';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import { createFakeClock } from './fake-clock.js';

const xsum = defineTask({ name: 'unlock.xsum', params: ['values'] }, (values: number[]) => values.join(','));
const errbackCalls: unknown[][] = [];
const onError = defineTask({ name: 'unlock.on_error', params: ['taskId'] }, (taskId: string) => void errbackCalls.push([taskId]));

const tuples = (ids: string[]) => ids.map((id) => [[id, null], null]);

/** A memory backend whose next `failReads` reads throw, as a backend that is briefly down. */
function flakyBackend(name: string, failReads: { count: number }): ResultBackend {
  const backend = createMemoryBackend({ name });
  return new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'get')
        return (id: string) => {
          if (failReads.count > 0) {
            failReads.count--;
            return Promise.reject(new Error('backend down'));
          }
          return target.get(id);
        };
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function setup(failReads = { count: 0 }) {
  const name = `chord-unlock-${crypto.randomUUID()}`;
  const broker = createMemoryBroker({ name });
  const backend = flakyBackend(name, failReads);
  const clock = createFakeClock();
  const retries: Array<{ id: string; eta: number; reason?: unknown }> = [];
  const failures: Array<{ task: string; excType: string; message: unknown }> = [];
  const worker = createWorker({
    broker,
    backend,
    clock,
    tasks: [xsum, onError],
    logger: silentLogger,
    hooks: {
      taskRetry: (e) => void retries.push({ id: e.id, eta: e.eta?.getTime() ?? Number.NaN, reason: e.reason }),
      taskFailure: (e) => void failures.push({ task: e.task, excType: e.exception.exc_type, message: e.exception.exc_message }),
    },
  });
  await worker.start();
  const client = createClient({ broker, backend });
  const unlock = (args: unknown[], kwargs: Record<string, unknown>) => client.apply(signature('celery.chord_unlock', args, kwargs));
  return {
    backend,
    clock,
    retries,
    failures,
    unlock,
    [Symbol.asyncDispose]: async () => {
      await worker.stop();
      await client.close();
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

const body = (id: string, extra: Record<string, unknown> = {}): SignatureData => ({ ...xsum.s(), options: { task_id: id, ...extra } });

describe('celery.chord_unlock on a worker', () => {
  it('retries after `interval` while a member is pending, then applies the body with the results in header order', async () => {
    await using t = await setup();
    const bodyId = crypto.randomUUID();
    await t.backend.store(buildResultMeta({ taskId: 'm1', status: 'SUCCESS', result: 1 }));
    const sent = await t.unlock(['g1', body(bodyId)], { result: tuples(['m0', 'm1']), interval: 2, max_retries: null });
    await until(() => t.retries.length === 1);
    expect(t.retries[0]).toMatchObject({ id: sent.id, eta: t.clock.now() + 2000 });
    await t.backend.store(buildResultMeta({ taskId: 'm0', status: 'SUCCESS', result: 0 }));
    t.clock.advance(2000);
    const meta = await t.backend.wait(bodyId, { timeout: 10 });
    expect([meta.status, meta.result]).toEqual(['SUCCESS', '0,1']);
    expect(t.retries).toHaveLength(1);
  });

  it('fails the body with a ChordError naming the failed member and runs its errbacks once', async () => {
    await using t = await setup();
    const bodyId = crypto.randomUUID();
    errbackCalls.length = 0;
    await t.backend.store(buildResultMeta({ taskId: 'ok', status: 'SUCCESS', result: 1 }));
    await t.backend.store(buildResultMeta({ taskId: 'bad', status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['nope'], exc_module: 'builtins' } }));
    await t.unlock(['g2', body(bodyId, { link_error: [onError.s()] })], { result: tuples(['ok', 'bad']) });
    const meta = await t.backend.wait(bodyId, { timeout: 10 });
    expect([meta.status, meta.result]).toEqual(['FAILURE', { exc_type: 'ChordError', exc_message: ["Dependency bad raised ValueError('nope')"], exc_module: 'celery.exceptions' }]);
    await until(() => errbackCalls.length > 0);
    expect(errbackCalls).toEqual([[bodyId]]);
    expect(t.retries).toEqual([]);
  });

  it('fails a malformed unlock with InvalidTaskError, without retrying', async () => {
    await using t = await setup();
    await t.unlock(['g3', 'not a signature'], { result: tuples(['x']) });
    await until(() => t.failures.length === 1);
    expect(t.failures[0]).toMatchObject({ task: 'celery.chord_unlock', excType: 'InvalidTaskError' });
    expect(String(t.failures[0]!.message)).toMatch(/chord body signature/);
    expect(t.retries).toEqual([]);
  });

  it('gives up after max_retries with the task failing', async () => {
    await using t = await setup();
    await t.unlock(['g4', body(crypto.randomUUID())], { result: tuples(['never']), interval: 1, max_retries: 1 });
    await until(() => t.retries.length === 1);
    t.clock.advance(1000);
    await until(() => t.failures.length === 1);
    expect(t.failures[0]).toMatchObject({ task: 'celery.chord_unlock', excType: 'MaxRetriesExceededError' });
  });

  it('retries with the read error when the backend cannot be read, then goes on', async () => {
    await using t = await setup({ count: 1 });
    const bodyId = crypto.randomUUID();
    await t.backend.store(buildResultMeta({ taskId: 'r0', status: 'SUCCESS', result: 7 }));
    await t.unlock(['g5', body(bodyId)], { result: tuples(['r0']), interval: 3 });
    await until(() => t.retries.length === 1);
    expect(t.retries[0]).toMatchObject({ eta: t.clock.now() + 3000, reason: { exc_message: ['backend down'] } });
    t.clock.advance(3000);
    const meta = await t.backend.wait(bodyId, { timeout: 10 });
    expect([meta.status, meta.result]).toEqual(['SUCCESS', '7']);
  });
});
