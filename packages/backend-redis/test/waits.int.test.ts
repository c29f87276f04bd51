/**
 * Push-based waits: one shared pub/sub connection, refcounted channels, watches that cannot leak,
 * timeouts, aborts and close. Timers go through the backend's seam so nothing sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, DecodeError, TimeoutError } from '@celerity/core';
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { randomSuffix, waitFor, deleteKeys } from '@celerity/testing';
import { monitorRedis } from '@celerity/testing/internal';
import type { Redis } from 'ioredis';
import { createRedisBackend } from '../src/index.js';
import type { BackendTimers, RedisBackendOptions } from '../src/index.js';
import { REDIS_URL, clientsNamed, rawClient, subscriberCount, uniquePrefix } from './redis-helpers.js';

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
  await deleteKeys(raw, `${prefix}*`);
  raw.disconnect();
});

describe('shared subscriber', () => {
  it('serves 1,000 concurrent waits over one pub/sub connection and unsubscribes them all', async () => {
    const name = `celerity-test-${randomSuffix()}`;
    const waiter = await open({ connectionName: name });
    const worker = await open();
    const ids = Array.from({ length: 1000 }, (_, i) => `many-${i}`);
    const waits = ids.map((id) => waiter.wait(id, { timeout: 30 }));

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
    const a = backend.wait('shared', { timeout: 10 });
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
    const waiting = backend.wait('slow', { timeout: 1.234 });
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
    // The batch's window closes (1 s): its watches stay until watchTimeout + the window.
    timers.fireAll(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await subscriberCount(raw, channel('new'))).toBe(1);
    timers.fireAll(6000);
    await waitFor(async () => (await subscriberCount(raw, channel('new'))) + (await subscriberCount(raw, channel('mid'))) === 0, { message: 'watches expired' });
  });

  it('gives the watches of one window a single expiry timer, also when sent one at a time', async () => {
    const timers = manualTimers();
    const backend = await open({ timers, watchTimeout: 5000 });
    const worker = await open();
    const expiries = (): number => [...timers.pending.values()].filter((t) => t.ms === 6000).length;
    for (const id of ['s1', 's2', 's3']) {
      backend.watch?.(id);
      await worker.store(success(id, 1));
      expect((await backend.wait(id, { timeout: 5 })).result).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(expiries()).toBe(1);
    // Once the window closes with no watch left, its timer goes too.
    timers.fireAll(1000);
    expect(expiries()).toBe(0);
    backend.watch?.('s4');
    expect(expiries()).toBe(1);
  });

  it('hands over to a wait that found the result by GET', async () => {
    const backend = await open();
    await (await open()).store(success('w2', 'stored'));
    backend.watch?.('w2');
    expect((await backend.wait('w2', { timeout: 5 })).result).toBe('stored');
    await waitFor(async () => (await subscriberCount(raw, channel('w2'))) === 0, { message: 'watch dropped after the wait' });
  });
});

/** Commands clients sent that mention `prefix` (MONITOR, without those run by scripts), lower-cased name first. */
async function recordCommands(prefixOf: () => string): Promise<{ commands: string[][]; stop(): Promise<void> }> {
  const monitor = await monitorRedis(REDIS_URL);
  return {
    get commands() {
      return monitor.commands.filter((c) => c.source !== 'lua' && c.args.some((a) => a.includes(prefixOf()))).map(({ args }) => [args[0]!.toLowerCase(), ...args.slice(1)]);
    },
    stop: () => monitor.stop(),
  };
}

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids minted by the backend (one PSUBSCRIBE covers them)', () => {
  it('mints uuid4 ids sharing a first group; waits on them send no SUBSCRIBE and, once covered, no GET', async () => {
    const backend = await open();
    const worker = await open();
    const ids = Array.from({ length: 4 }, () => backend.newTaskId!());
    for (const id of ids) expect(id).toMatch(UUID4);
    expect(new Set(ids.map((id) => id.slice(0, 9))).size).toBe(1);
    expect(new Set(ids).size).toBe(4);
    const [first, kept, waited, other] = ids as [string, string, string, string];

    const monitor = await recordCommands(() => prefix);
    // The first watch sends the pattern; its wait cannot be sure yet and reads the store once.
    backend.watch!(first);
    const firstWait = backend.wait(first, { timeout: 5 });
    await worker.store(success(first, 1));
    expect((await firstWait).result).toBe(1);

    // Covered now: a result that arrives before anyone waits is kept and handed over without a command.
    backend.watch!(kept);
    await worker.store(success(kept, 2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await backend.wait(kept, { timeout: 5 })).result).toBe(2);

    // A wait that starts before the result: pushed, no GET.
    backend.watch!(waited);
    const pending = backend.wait(waited, { timeout: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.store(success(waited, 3));
    expect((await pending).result).toBe(3);

    // Not watched before (e.g. a result handle made later): the wait reads the store as Celery does.
    await worker.store(success(other, 4));
    expect((await backend.wait(other, { timeout: 5 })).result).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await monitor.stop();

    const names = monitor.commands.map(([name]) => name);
    expect(names.filter((n) => n === 'psubscribe')).toHaveLength(1);
    expect(monitor.commands.find(([name]) => name === 'psubscribe')![1]).toBe(`${prefix}celery-task-meta-${first.slice(0, 9)}*`);
    expect(names.filter((n) => n === 'subscribe' || n === 'unsubscribe')).toEqual([]);
    const gets = monitor.commands.filter(([name]) => name === 'get').map(([, key]) => key);
    expect(gets).toContain(channel(other));
    expect(gets).not.toContain(channel(kept));
    expect(gets).not.toContain(channel(waited));
  });

  it('a wait on a minted id still gets a result published while the pub/sub connection was down', async () => {
    const name = `celerity-test-pubsub-${randomSuffix()}`;
    const backend = await open({ connectionName: name });
    const worker = await open();
    const warm = backend.newTaskId!();
    backend.watch!(warm);
    const warmWait = backend.wait(warm, { timeout: 5 });
    await worker.store(success(warm, 0));
    await warmWait;

    const id = backend.newTaskId!();
    backend.watch!(id); // covered and confirmed: a wait would skip the GET...
    const pubsub = (await clientsNamed(raw, name)).find((c) => c['cmd'] === 'psubscribe' || Number(c['psub']) > 0);
    expect(pubsub).toBeDefined();
    await raw.client('KILL', 'ID', pubsub!['id']!);
    await worker.store(success(id, 'while down')); // ...but this publish reached nobody
    // Back and covered again before anyone waits: the wait must not trust the old watch.
    await waitFor(async () => (await clientsNamed(raw, name)).some((c) => Number(c['psub']) > 0 && c['id'] !== pubsub!['id']), { message: 'pattern re-subscribed' });
    expect((await backend.wait(id, { timeout: 5 })).result).toBe('while down');
  });

  it("resultSubscription 'task' mints plain uuid4s and subscribes per task", async () => {
    const backend = await open({ resultSubscription: 'task' });
    const worker = await open();
    const a = backend.newTaskId!();
    const b = backend.newTaskId!();
    expect(a).toMatch(UUID4);
    expect(a.slice(0, 9)).not.toBe(b.slice(0, 9));
    backend.watch!(a);
    await waitFor(async () => (await subscriberCount(raw, channel(a))) === 1, { message: 'subscribed per task' });
    const waiting = backend.wait(a, { timeout: 5 });
    await worker.store(success(a, 'ok'));
    expect((await waiting).result).toBe('ok');
  });
});
