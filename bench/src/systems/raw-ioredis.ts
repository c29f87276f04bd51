/**
 * Raw ioredis floors: what a queue on the same Redis costs with nothing but the essentials. A job is
 * one small JSON list item; a result is one SET (plus a PUBLISH when a producer waits for it).
 * - `raw-ioredis`: LPUSH per job (pipelined in bulk); the worker makes one Lua call per job that
 *   stores the previous job's result and pops the next.
 * - `raw-ioredis-x100`: variadic LPUSH of a whole batch; one Lua call stores up to 100 results and
 *   pops up to 100 jobs.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BenchSystem, BenchTarget, Producer } from '../system.js';
import { countKeys } from '../system.js';

/** Result key of a raw job. */
export const RAW_RESULT_PREFIX = 'r:';

/** One raw job as it sits in the list. */
export interface RawJob {
  id: string;
  args: [number, number];
  /** Channel to PUBLISH the result on, or '' when nobody waits. */
  reply: string;
}

async function openProducer(target: BenchTarget, variadic: boolean): Promise<Producer> {
  const redis = new Redis(target.redisUrl);
  const prefix = randomUUID().slice(0, 8);
  const reply = `reply:${prefix}`;
  let next = 0;
  const job = (x: number, y: number, replyTo = ''): string => JSON.stringify({ id: `${prefix}${next++}`, args: [x, y], reply: replyTo } satisfies RawJob);
  let subscriber: Redis | null = null;
  const waiting = new Map<string, (value: number) => void>();

  const producer: Producer = {
    async enqueueBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const end = Math.min(count, start + batchSize);
        if (variadic) {
          const items: string[] = [];
          for (let i = start; i < end; i++) items.push(job(i, i));
          await redis.lpush(target.queue, ...items);
        } else {
          const pipeline = redis.pipeline();
          for (let i = start; i < end; i++) pipeline.lpush(target.queue, job(i, i));
          await pipeline.exec();
        }
      }
    },
    async roundTrip(x, y) {
      if (!subscriber) {
        subscriber = new Redis(target.redisUrl);
        subscriber.on('message', (_channel: string, message: string) => {
          const eq = message.indexOf('=');
          const key = message.slice(0, eq);
          waiting.get(key)?.(Number(message.slice(eq + 1)));
          waiting.delete(key);
        });
        await subscriber.subscribe(reply);
      }
      const id = `${prefix}${next}`;
      const result = new Promise<number>((resolve) => waiting.set(`${RAW_RESULT_PREFIX}${id}`, resolve));
      await redis.lpush(target.queue, job(x, y, reply));
      return result;
    },
    async close() {
      subscriber?.disconnect();
      await redis.quit();
    },
  };
  if (!variadic) {
    producer.enqueueOne = async (count) => {
      for (let i = 0; i < count; i++) await redis.lpush(target.queue, job(i, i));
    };
  }
  return producer;
}

/** Raw floor, one Lua call per job. */
export const rawIoredisSystem: BenchSystem = {
  name: 'raw-ioredis',
  label: 'ioredis 6.0.0 (floor, 1 Lua call per job)',
  workerModule: 'raw-ioredis.ts',
  notes: ['The raw floors carry no envelope, no retries, no acknowledgement bookkeeping and no expiry on results: they bound what any queue on this Redis can do.'],
  openProducer: (target) => openProducer(target, false),
  countResults: (redis) => countKeys(redis, `${RAW_RESULT_PREFIX}*`),
};

/** Raw floor, batches of 100 per Lua call. */
export const rawIoredisBatchSystem: BenchSystem = {
  name: 'raw-ioredis-x100',
  label: 'ioredis 6.0.0 (floor, batches of 100)',
  workerModule: 'raw-ioredis-x100.ts',
  notes: [],
  openProducer: (target) => openProducer(target, true),
  countResults: (redis) => countKeys(redis, `${RAW_RESULT_PREFIX}*`),
};
