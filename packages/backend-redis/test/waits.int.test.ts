/**
 * Push-based waits: one shared pub/sub connection, refcounted channels, watches that cannot leak,
 * timeouts, aborts and close. Timers go through the backend's seam so nothing sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, DecodeError, TimeoutError } from '@celerity/core';
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { randomSuffix, waitFor } from '@celerity/testing';
import type { Redis } from 'ioredis';
import { createRedisBackend } from '../src/index.js';
import type { BackendTimers, RedisBackendOptions } from '../src/index.js';
import { REDIS_URL, clientsNamed, deletePrefix, rawClient, subscriberCount, uniquePrefix } from './redis-helpers.js';

/** Timers that fire only when the test says so. */
function manualTimers(): BackendTimers & { pending: Map<number, { ms: number; fire: () => void }>; fireAll(ms?: number): void } {
  let next = 1;
  const pending = new Map<number, { ms: number; fire: () => void }>();
  return {
    pending,
    setTimeout(callback, ms) {
      const id = next++;
      pending.set(id, { ms, fire: callback });
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    fireAll(ms) {
      for (const [id, timer] of [...pending]) {
        if (ms !== undefined && timer.ms !== ms) continue;
        pending.delete(id);
        timer.fire();
      }
    },
  };
}

const success = (taskId: string, result: unknown): ResultMeta => ({
  status: 'SUCCESS', result, traceback: null, children: [], date_done: '2026-01-01T00:00:00.000000+00:00', task_id: taskId,
});

let prefix: string;
let raw: Redis;
const backends: ResultBackend[] = [];

async function open(options: RedisBackendOptions = {}): Promise<ResultBackend> {
  const backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix, ...options });
  backends.push(backend);
  await backend.connect();
  return backend;
}
const channel = (taskId: string): string => `${prefix}celery-task-meta-${taskId}`;

beforeEach(() => {
  prefix = uniquePrefix();
  raw = rawClient();
});

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
  await deletePrefix(raw, prefix);
  raw.disconnect();
});

describe('shared subscriber', () => {
  it('serves 1,000 concurrent waits over one pub/sub connection and unsubscribes them all', async () => {
    const name = `celerity-test-${randomSuffix()}`;
    const waiter = await open({ connectionName: name });
    const worker = await open();
    const ids = Array.from({ length: 1000 }, (_, i) => `many-${i}`);
    const waits = ids.map((id) => waiter.wait(id, { timeout: 30_000 }));

    const subscribed = await waitFor(async () => {
      const subs = (await clientsNamed(raw, name)).filter((c) => Number(c['sub']) > 0);
      return subs.length === 1 && subs[0]?.['sub'] === '1000' ? subs : undefined;
    }, { timeout: 10_000, message: '1000 subscriptions on one connection' });
    expect(subscribed).toHaveLength(1);
    expect(await clientsNamed(raw, name)).toHaveLength(2); // the command connection + the subscriber

    await worker.storeMany(ids.map((id, i) => success(id, i)));
    const results = await Promise.all(waits);
    expect(results.map((m) => m.result)).toEqual(ids.map((_, i) => i));
    await waitFor(async () => (await clientsNamed(raw, name)).every((c) => c['sub'] === '0'), { message: 'all unsubscribed' });
    expect(await clientsNamed(raw, name)).toHaveLength(2);
  });

  it('keeps a channel while another wait on the same task is pending', async () => {
    const backend = await open();
    const a = backend.wait('shared', { timeout: 10_000 });
    const controller = new AbortController();
    const b = backend.wait('shared', { signal: controller.signal });
    await waitFor(async () => (await subscriberCount(raw, channel('shared'))) === 1, { message: 'subscribed' });
    controller.abort(new Error('b gave up'));
    await expect(b).rejects.toThrow('b gave up');
    await raw.publish(channel('shared'), JSON.stringify(success('shared', 'still heard')));
    expect((await a).result).toBe('still heard');
    await waitFor(async () => (await subscriberCount(raw, channel('shared'))) === 0, { message: 'unsubscribed' });
  });

  it('reports non-ready states and rejects on an undecodable publish', async () => {
    const backend = await open();
    const seen: string[] = [];
    const waiting = backend.wait('progress', { onState: (m) => seen.push(m.status) });
    await waitFor(async () => (await subscriberCount(raw, channel('progress'))) === 1, { message: 'subscribed' });
    await raw.publish(channel('progress'), JSON.stringify({ ...success('progress', null), status: 'STARTED' }));
    await raw.publish(channel('progress'), JSON.stringify({ ...success('progress', { n: 1 }), status: 'RETRY' }));
    await raw.publish(channel('progress'), JSON.stringify(success('progress', 'ok')));
    expect((await waiting).result).toBe('ok');
    expect(seen).toEqual(['STARTED', 'RETRY']);

    const broken = backend.wait('broken');
    await waitFor(async () => (await subscriberCount(raw, channel('broken'))) === 1, { message: 'subscribed' });
    await raw.publish(channel('broken'), 'not json {');
    await expect(broken).rejects.toBeInstanceOf(DecodeError);
  });
});

describe('timeouts, aborts, close', () => {
  it('times out through the timer seam and releases the channel', async () => {
    const timers = manualTimers();
    const backend = await open({ timers });
    const waiting = backend.wait('slow', { timeout: 1234 });
    await waitFor(async () => (await subscriberCount(raw, channel('slow'))) === 1, { message: 'subscribed' });
    timers.fireAll(1234);
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(async () => (await subscriberCount(raw, channel('slow'))) === 0, { message: 'unsubscribed' });
  });

  it('rejects pending waits with ClosedError on close and refuses new ones', async () => {
    const name = `celerity-test-${randomSuffix()}`;
    const backend = await open({ connectionName: name });
    const waiting = backend.wait('never');
    await waitFor(async () => (await subscriberCount(raw, channel('never'))) === 1, { message: 'subscribed' });
    const rejected = expect(waiting).rejects.toBeInstanceOf(ClosedError);
    await backend.close();
    await rejected;
    await expect(backend.wait('later')).rejects.toBeInstanceOf(ClosedError);
    await waitFor(async () => (await clientsNamed(raw, name)).length === 0, { message: 'connections closed' });
  });
});

describe('watch', () => {
  it('subscribes ahead of time and drops itself when the task is done', async () => {
    const backend = await open();
    const worker = await open();
    backend.watch?.('w1');
    await waitFor(async () => (await subscriberCount(raw, channel('w1'))) === 1, { message: 'watched' });
    await worker.store({ ...success('w1', null), status: 'STARTED', date_done: null });
    await worker.store(success('w1', 1));
    await waitFor(async () => (await subscriberCount(raw, channel('w1'))) === 0, { message: 'watch dropped' });
  });

  it('drops a watch nobody waits for after watchTimeout, and the oldest beyond maxWatched', async () => {
    const timers = manualTimers();
    const backend = await open({ timers, watchTimeout: 5000, maxWatched: 2 });
    backend.watch?.('old');
    backend.watch?.('mid');
    backend.watch?.('new');
    await waitFor(async () => (await subscriberCount(raw, channel('new'))) === 1 && (await subscriberCount(raw, channel('mid'))) === 1, { message: 'watched' });
    expect(await subscriberCount(raw, channel('old'))).toBe(0);
    timers.fireAll(5000);
    await waitFor(async () => (await subscriberCount(raw, channel('new'))) + (await subscriberCount(raw, channel('mid'))) === 0, { message: 'watches expired' });
  });

  it('hands over to a wait that found the result by GET', async () => {
    const backend = await open();
    await (await open()).store(success('w2', 'stored'));
    backend.watch?.('w2');
    expect((await backend.wait('w2', { timeout: 5000 })).result).toBe('stored');
    await waitFor(async () => (await subscriberCount(raw, channel('w2'))) === 0, { message: 'watch dropped after the wait' });
  });
});
