/** BullMQ 6.7: `Queue.add` / `addBulk`, a `Worker` with `concurrency`, results kept (the default). */
import { Queue, QueueEvents } from 'bullmq';
import type { BenchSystem, BenchTarget, Producer } from '../system.js';

/** ioredis options for a `redis://host:port` URL. */
export function redisOptions(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

async function openProducer(target: BenchTarget): Promise<Producer> {
  const connection = redisOptions(target.redisUrl);
  const queue = new Queue<{ x: number; y: number }, number>(target.queue, { connection });
  await queue.waitUntilReady();
  let events: QueueEvents | null = null;
  return {
    async enqueueOne(count) {
      for (let i = 0; i < count; i++) await queue.add('add', { x: i, y: i });
    },
    async enqueueBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const jobs = [];
        for (let i = start; i < Math.min(count, start + batchSize); i++) jobs.push({ name: 'add', data: { x: i, y: i } });
        await queue.addBulk(jobs);
      }
    },
    async roundTrip(x, y) {
      if (!events) {
        events = new QueueEvents(target.queue, { connection });
        await events.waitUntilReady();
      }
      const job = await queue.add('add', { x, y });
      return job.waitUntilFinished(events);
    },
    async close() {
      await events?.close();
      await queue.close();
    },
  };
}

/** The BullMQ system. */
export const bullmqSystem: BenchSystem = {
  name: 'bullmq',
  label: 'bullmq 6.7.0',
  workerModule: 'bullmq.ts',
  notes: ['Results are kept (`removeOnComplete` unset): each job stays a hash in the `completed` set with its return value.'],
  openProducer,
  async countResults(redis, target) {
    return redis.zcard(`bull:${target.queue}:completed`);
  },
};
