// Rate limits on real servers: a cluster-wide '50/s' shared by four workers on Redis, per-worker
// limits on Redis and RabbitMQ, and a cluster-wide limit on RabbitMQ with a Redis limiter.
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, SharedRateLimiter } from '@celerity/core';
import { ConfigurationError, createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { deleteKeys, randomSuffix, waitFor } from '@celerity/testing';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { Redis } from 'ioredis';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const json = createJsonSerializer();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** A key prefix of its own on the local Redis; its keys are deleted after the file. */
function scratchPrefix(): { keyPrefix: string; raw: Redis } {
  const keyPrefix = `celerity-test-rl-${randomSuffix()}:`;
  const raw = new Redis(REDIS_URL);
  cleanups.push(async () => {
    await deleteKeys(raw, `${keyPrefix}*`);
    await raw.quit();
  });
  return { keyPrefix, raw };
}

/** Completion times (Date.now) per task name, from every worker of this process. */
const done = new Map<string, number[]>();
const mark = (name: string): void => {
  const list = done.get(name) ?? [];
  list.push(Date.now());
  done.set(name, list);
};
const cluster50 = defineTask({ name: 'rl.cluster50', params: [], rateLimit: '50/s', rateLimitScope: 'cluster' }, () => mark('rl.cluster50'));
const worker20 = defineTask({ name: 'rl.worker20', params: [], rateLimit: '20/s' }, () => mark('rl.worker20'));
const cluster20 = defineTask({ name: 'rl.cluster20', params: [], rateLimit: '20/s', rateLimitScope: 'cluster' }, () => mark('rl.cluster20'));
const minute = defineTask({ name: 'rl.minute', params: [], rateLimit: '1/m' }, () => mark('rl.minute'));
const free = defineTask({ name: 'rl.free', params: [] }, () => mark('rl.free'));
const tasks = [cluster50, worker20, cluster20];

async function send(broker: Broker, task: string, n: number): Promise<void> {
  const items = Array.from({ length: n }, () => ({ target: { queue: 'celery' }, envelope: encodeTaskMessage({ task, id: crypto.randomUUID(), args: [] }, { serializer: json }) }));
  await broker.publishMany(items);
}

async function startWorkers(make: (i: number) => Worker, n: number): Promise<Worker[]> {
  const workers = Array.from({ length: n }, (_, i) => make(i));
  for (const worker of workers) cleanups.push(() => worker.stop({ force: true }));
  await Promise.all(workers.map((worker) => worker.start()));
  return workers;
}

/** Fewest and most completions in any `windowMs` window starting between `from` and `to`, on a 50 ms grid. */
function windowCounts(times: number[], from: number, to: number, windowMs: number): { min: number; max: number } {
  let min = Infinity;
  let max = 0;
  for (let start = from; start + windowMs <= to; start += 50) {
    const count = times.filter((t) => t >= start && t < start + windowMs).length;
    min = Math.min(min, count);
    max = Math.max(max, count);
  }
  return { min, max };
}

/** Smallest gap between two consecutive completions. */
function smallestGap(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, sorted[i]! - sorted[i - 1]!);
  return gap;
}

describe('cluster-wide rate limit on Redis', () => {
  it("four workers, '50/s' cluster-wide, 1,000 tasks: every 2 s window after the first holds 90–110 completions", { timeout: 60_000 }, async () => {
    const { keyPrefix, raw } = scratchPrefix();
    const producer = createRedisBroker({ url: REDIS_URL, keyPrefix });
    cleanups.push(() => producer.close());
    await send(producer, 'rl.cluster50', 1000);
    // Every acquisition of every worker is counted: fewer calls than tokens (617 for 1,000 in one run:
    // each worker asks about every 125 ms, half the 250 ms it may take ahead).
    let calls = 0;
    let granted = 0;
    const counted = (limiter: SharedRateLimiter): SharedRateLimiter => ({
      acquire: async (key, request) => {
        calls++;
        const grant = await limiter.acquire(key, request);
        granted += grant.granted;
        return grant;
      },
      release: (key, tokens, request) => limiter.release(key, tokens, request),
    });
    await startWorkers((i) => {
      const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
      return createWorker({ broker, tasks, concurrency: 10, hostname: `rl${i}@test`, rateLimits: { limiter: counted(broker.rateLimiter) } });
    }, 4);
    await waitFor(() => (done.get('rl.cluster50')?.length ?? 0) === 1000, { timeout: 40_000, message: '1000 tasks done' });
    const times = done.get('rl.cluster50')!;
    const first = Math.min(...times);
    const last = Math.max(...times);
    // 1,000 tokens at 50/s: 999 intervals of 20 ms after the first.
    expect(last - first).toBeGreaterThanOrEqual(19_900);
    const { min, max } = windowCounts(times, first + 2000, last, 2000);
    expect(min).toBeGreaterThanOrEqual(90);
    expect(max).toBeLessThanOrEqual(110);
    console.log(`cluster-wide 50/s: ${calls} acquisitions for ${granted} tokens`);
    expect(granted).toBe(1000);
    expect(calls).toBeLessThan(1000);
    // The bucket expires once full again.
    await waitFor(async () => (await raw.exists(`${keyPrefix}_celerity.ratelimit.rl.cluster50`)) === 0, { timeout: 5000, message: 'bucket expired' });
  });
});

describe('per-worker rate limits on real brokers', () => {
  it("Redis: '20/s' on each of two workers lets twice the rate through, each worker spacing its own starts", { timeout: 30_000 }, async () => {
    const { keyPrefix } = scratchPrefix();
    const producer = createRedisBroker({ url: REDIS_URL, keyPrefix });
    cleanups.push(() => producer.close());
    done.delete('rl.worker20');
    await send(producer, 'rl.worker20', 40);
    const started = Date.now();
    await startWorkers(() => createWorker({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), tasks, concurrency: 1, prefetch: 2 }), 2);
    await waitFor(() => (done.get('rl.worker20')?.length ?? 0) === 40, { timeout: 20_000, message: '40 tasks done' });
    const elapsed = Math.max(...done.get('rl.worker20')!) - started;
    // 40 tasks at 2 × 20/s: at least 19 × 50 ms on the busier worker; far less than one worker alone (1.95 s).
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1900);
  });

  it("RabbitMQ: '20/s' per worker spaces starts 50 ms apart; cluster scope needs a limiter, and a Redis broker's serves", { timeout: 60_000 }, async () => {
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    const producer = createAmqpBroker({ url: vhost.url });
    cleanups.push(() => producer.close());
    await producer.declareQueue('celery');
    done.delete('rl.worker20');
    await send(producer, 'rl.worker20', 10);
    const [worker] = await startWorkers(() => createWorker({ broker: createAmqpBroker({ url: vhost.url }), tasks: [worker20] }), 1);
    await waitFor(() => (done.get('rl.worker20')?.length ?? 0) === 10, { timeout: 10_000, message: '10 tasks done' });
    // Node may fire a timer up to 1 ms early; the bucket allows one start per 50 ms.
    expect(smallestGap(done.get('rl.worker20')!)).toBeGreaterThanOrEqual(45);
    await worker!.stop();

    expect(() => createWorker({ broker: createAmqpBroker({ url: vhost.url }), tasks: [cluster20] })).toThrow(ConfigurationError);
    const { keyPrefix } = scratchPrefix();
    const store = createRedisBroker({ url: REDIS_URL, keyPrefix });
    cleanups.push(() => store.close());
    await send(producer, 'rl.cluster20', 20);
    await startWorkers(() => createWorker({ broker: createAmqpBroker({ url: vhost.url }), tasks: [cluster20], rateLimits: { limiter: store.rateLimiter } }), 2);
    await waitFor(() => (done.get('rl.cluster20')?.length ?? 0) === 20, { timeout: 10_000, message: '20 tasks done' });
    // Two workers, one bucket: 20 tasks at 20/s in all, not 40/s.
    const times = done.get('rl.cluster20')!;
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(19 * 50 - 20);
  });
});

describe.each([
  ['Redis', async () => {
    const { keyPrefix } = scratchPrefix();
    return () => createRedisBroker({ url: REDIS_URL, keyPrefix }) as Broker;
  }],
  ['RabbitMQ', async () => {
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    return () => createAmqpBroker({ url: vhost.url }) as Broker;
  }],
] as Array<[string, () => Promise<() => Broker>]>)('a limited task on %s', (_label, make) => {
  it('waits without its slot while an unlimited one runs, and goes once its limit is lifted at run time', { timeout: 30_000 }, async () => {
    const brokerOf = await make();
    const producer = brokerOf();
    cleanups.push(() => producer.close());
    await producer.declareQueue('celery');
    done.delete('rl.minute');
    done.delete('rl.free');
    const [worker] = await startWorkers(() => createWorker({ broker: brokerOf(), tasks: [minute, free], concurrency: 1 }), 1);
    await send(producer, 'rl.minute', 3);
    await send(producer, 'rl.free', 2);
    // One slot: the free tasks run while two limited ones wait for a token ('1/m').
    await waitFor(() => (done.get('rl.free')?.length ?? 0) === 2 && (done.get('rl.minute')?.length ?? 0) === 1, { timeout: 10_000, message: 'free tasks done' });
    await waitFor(() => worker!.stats.active === 0, { timeout: 5000, message: 'slot free' });
    expect(worker!.stats.waiting).toBe(2);
    worker!.setRateLimit('rl.minute', null);
    await waitFor(() => (done.get('rl.minute')?.length ?? 0) === 3, { timeout: 10_000, message: 'limited tasks done' });
  });
});
