/** Rate limits on the memory broker and a fake clock: per worker, cluster-wide, at run time. No test here sleeps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, TaskContext, TaskDefinition } from '@celerity/core';
import { ConfigurationError, NotRegisteredError, createJsonSerializer, createMemoryBroker, createMemoryRateLimiter, defineTask, encodeTaskMessage } from '@celerity/core';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { FakeClock } from './fake-clock.js';
import { createFakeClock } from './fake-clock.js';
import { settle, until } from './event-loop.js';

const json = createJsonSerializer();
let clock: FakeClock;
let broker: Broker;
const workers: Worker[] = [];
/** Start times (fake clock, ms since the first) per task name. */
const starts = new Map<string, number[]>();
let t0 = 0;

const record = (ctx: TaskContext): void => {
  const list = starts.get(ctx.name) ?? [];
  list.push(clock.now() - t0);
  starts.set(ctx.name, list);
};
const perSecond = defineTask({ name: 'rl.ten', params: [], rateLimit: '10/s' }, record);
const perMinute = defineTask({ name: 'rl.minute', params: [], rateLimit: '1/m' }, record);
const free = defineTask({ name: 'rl.free', params: [] }, record);
const clustered = defineTask({ name: 'rl.cluster', params: [], rateLimit: 10, rateLimitScope: 'cluster' }, record);

function setup(tasks: TaskDefinition[], options: Partial<WorkerOptions> = {}): Worker {
  const worker = createWorker({ broker, clock, tasks, concurrency: 4, ...options });
  workers.push(worker);
  return worker;
}

function fresh(): void {
  clock = createFakeClock();
  t0 = clock.now();
  broker = createMemoryBroker({ name: `rl-${crypto.randomUUID()}` });
}

async function send(task: string, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task, id: crypto.randomUUID(), args: [] }, { serializer: json }));
}

const started = (name: string): number => starts.get(name)?.length ?? 0;

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop({ force: true });
  starts.clear();
});

describe('per-worker rate limits', () => {
  it("'10/s': one start per 100 ms, the first at once, and no burst", async () => {
    fresh();
    const worker = setup([perSecond]);
    await send('rl.ten', 5);
    await worker.start();
    await until(() => started('rl.ten') === 1 && worker.stats.waiting === 4);
    await settle();
    expect(started('rl.ten')).toBe(1);
    for (let i = 2; i <= 5; i++) {
      clock.advance(99);
      await settle();
      expect(started('rl.ten')).toBe(i - 1);
      clock.advance(1);
      await until(() => started('rl.ten') === i);
    }
    expect(starts.get('rl.ten')).toEqual([0, 100, 200, 300, 400]);
    await worker.idle();
    // A quiet spell does not store up tokens: the bucket holds one.
    clock.advance(10_000);
    t0 = clock.now();
    starts.clear();
    await send('rl.ten', 3);
    await until(() => started('rl.ten') === 1);
    await settle();
    expect(started('rl.ten')).toBe(1);
  });

  it('a task over its limit takes no slot and does not hold up an unlimited one', async () => {
    fresh();
    const worker = setup([perMinute, free], { concurrency: 1 });
    await send('rl.minute', 3);
    await send('rl.free', 2);
    await worker.start();
    await until(() => started('rl.free') === 2);
    expect(started('rl.minute')).toBe(1);
    await until(() => worker.stats.active === 0);
    expect(worker.stats.waiting).toBe(2);
    clock.advance(60_000);
    await until(() => started('rl.minute') === 2);
    clock.advance(60_000);
    await until(() => started('rl.minute') === 3);
    await worker.idle();
    expect(starts.get('rl.minute')).toEqual([0, 60_000, 120_000]);
  });

  it('jobs held for a token widen the prefetch window, so a task behind them is still fetched', async () => {
    fresh();
    // A window of 2 would be full of held '1/m' tasks; widened by the held ones it reaches the free task.
    const worker = setup([perMinute, free], { concurrency: 1, prefetch: 2 });
    await send('rl.minute', 4);
    await send('rl.free', 1);
    await worker.start();
    await until(() => started('rl.free') === 1);
    expect(started('rl.minute')).toBe(1);
    expect(worker.stats.waiting).toBe(3);
  });

  it('defaultRateLimit applies to tasks without a limit of their own; a task’s own wins', async () => {
    fresh();
    const worker = setup([perSecond, free], { defaultRateLimit: '1/m' });
    await send('rl.free', 2);
    await send('rl.ten', 2);
    await worker.start();
    await until(() => started('rl.free') === 1 && started('rl.ten') === 1);
    clock.advance(100);
    await until(() => started('rl.ten') === 2);
    await settle();
    expect(started('rl.free')).toBe(1);
    clock.advance(59_900);
    await until(() => started('rl.free') === 2);
  });

  it('the taskDefaultRateLimit setting is the worker’s defaultRateLimit', async () => {
    fresh();
    const worker = setup([free], { config: { taskDefaultRateLimit: '1/m' } });
    await send('rl.free', 2);
    await worker.start();
    await until(() => started('rl.free') === 1);
    clock.advance(30_000);
    await settle();
    expect(started('rl.free')).toBe(1);
    clock.advance(30_000);
    await until(() => started('rl.free') === 2);
  });

  it('setRateLimit changes a limit at run time: held jobs see it at once', async () => {
    fresh();
    const worker = setup([perMinute, free]);
    await send('rl.minute', 3);
    await worker.start();
    await until(() => started('rl.minute') === 1 && worker.stats.waiting === 2);
    worker.setRateLimit('rl.minute', null);
    await until(() => started('rl.minute') === 3);
    expect(starts.get('rl.minute')).toEqual([0, 0, 0]);

    // From no limit to one.
    worker.setRateLimit('rl.free', '2/s');
    await send('rl.free', 3);
    await until(() => started('rl.free') === 1);
    await settle();
    expect(started('rl.free')).toBe(1);
    clock.advance(500);
    await until(() => started('rl.free') === 2);
    // Raised while held: the next token comes by the new rate.
    worker.setRateLimit('rl.free', '100/s');
    await settle();
    clock.advance(10);
    await until(() => started('rl.free') === 3);

    expect(() => worker.setRateLimit('rl.nope', '1/s')).toThrow(NotRegisteredError);
    expect(() => worker.setRateLimit('rl.free', '1/d')).toThrow(ConfigurationError);
  });

  it('stop gives held jobs back to the queue, unstarted', async () => {
    fresh();
    const worker = setup([perMinute]);
    await send('rl.minute', 4);
    await worker.start();
    await until(() => started('rl.minute') === 1 && worker.stats.waiting === 3);
    await worker.stop();
    expect(await broker.size('celery')).toBe(3);
    expect(clock.pending).toBe(0);
  });
});

describe('cluster-wide rate limits (memory)', () => {
  it("two workers share one '10/s' bucket: starts are spaced 100 ms apart across both", async () => {
    fresh();
    const limiter = createMemoryRateLimiter({ clock });
    const a = setup([clustered], { rateLimits: { limiter }, hostname: 'a@x' });
    const b = setup([clustered], { rateLimits: { limiter }, hostname: 'b@x' });
    await send('rl.cluster', 20);
    await a.start();
    await b.start();
    for (let step = 0; step < 20; step++) {
      await settle(5);
      clock.advance(50);
    }
    await settle();
    // 1 s: the token at 0, then one per 100 ms up to 1000 ms.
    const times = (starts.get('rl.cluster') ?? []).sort((x, y) => x - y);
    expect(times.length).toBe(11);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
  });

  it('rateLimits.scope makes every limit cluster-wide, and the memory broker brings the shared buckets', async () => {
    fresh();
    const worker = setup([perSecond], { rateLimits: { scope: 'cluster' } });
    expect(worker.broker.rateLimiter).toBeDefined();
    await send('rl.ten', 2);
    await worker.start();
    await until(() => started('rl.ten') === 1);
  });

  it('a cluster-wide limit on a broker without shared buckets is a ConfigurationError, unless a limiter is given', () => {
    fresh();
    // The memory broker without its shared buckets, as an AMQP broker is.
    const { rateLimiter: _dropped, ...rest } = broker;
    const noBuckets: Broker = rest;
    expect(() => createWorker({ broker: noBuckets, tasks: [clustered] })).toThrow(ConfigurationError);
    expect(() => createWorker({ broker: noBuckets, tasks: [perSecond], rateLimits: { scope: 'cluster' } })).toThrow(/cluster-wide rate limit/);
    expect(() => createWorker({ broker: noBuckets, tasks: [clustered], rateLimits: { limiter: createMemoryRateLimiter() } })).not.toThrow();
    const worker = createWorker({ broker: noBuckets, tasks: [free], rateLimits: { scope: 'cluster' } });
    expect(() => worker.setRateLimit('rl.free', '1/s')).toThrow(ConfigurationError);
    expect(() => createWorker({ broker, tasks: [free], defaultRateLimit: 'ten' })).toThrow(ConfigurationError);
  });
});
