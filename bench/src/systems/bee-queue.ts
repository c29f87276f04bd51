/** bee-queue 2.0: `createJob().save()` / `saveAll`, `process(concurrency)`, job events for round trips. */
import { randomUUID } from 'node:crypto';
import BeeQueue from 'bee-queue';
import type { BenchSystem, BenchTarget, Producer } from '../system.js';
import { redisOptions } from './bullmq.js';

interface AddJob {
  x: number;
  y: number;
}

async function openProducer(target: BenchTarget): Promise<Producer> {
  const redis = redisOptions(target.redisUrl);
  // The enqueue queue keeps nothing in memory; round trips need job events (getEvents + storeJobs).
  const queue = new BeeQueue<AddJob>(target.queue, { redis, isWorker: false, getEvents: false, storeJobs: false, sendEvents: false });
  await queue.ready();
  let events: BeeQueue<AddJob> | null = null;
  const waiting = new Map<string, (value: number) => void>();
  const prefix = randomUUID().slice(0, 8);
  let next = 0;
  return {
    async enqueueOne(count) {
      for (let i = 0; i < count; i++) await queue.createJob({ x: i, y: i }).save();
    },
    async enqueueBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const jobs = [];
        for (let i = start; i < Math.min(count, start + batchSize); i++) jobs.push(queue.createJob({ x: i, y: i }));
        const errors = await queue.saveAll(jobs);
        if (errors.size > 0) throw new Error(`bee-queue saveAll: ${errors.size} job(s) failed`);
      }
    },
    async roundTrip(x, y) {
      if (!events) {
        events = new BeeQueue<AddJob>(target.queue, { redis, isWorker: false, getEvents: true, storeJobs: false, sendEvents: false });
        // A job's own 'succeeded' event is lost when it arrives before save() resolves (the job is
        // registered by id only then); the queue-level event with an id chosen up front is not.
        events.on('job succeeded', (id: string, value: number) => {
          waiting.get(id)?.(value);
          waiting.delete(id);
        });
        await events.ready();
      }
      const id = `rt-${prefix}-${next++}`;
      const result = new Promise<number>((resolve) => waiting.set(id, resolve));
      await events.createJob({ x, y }).setId(id).save();
      return result;
    },
    async close() {
      await events?.close();
      await queue.close();
    },
  };
}

/** The bee-queue system. */
export const beeQueueSystem: BenchSystem = {
  name: 'bee-queue',
  label: 'bee-queue 2.0.0',
  workerModule: 'bee-queue.ts',
  notes: [
    'bee-queue does not store return values: a finished job stays in the jobs hash marked succeeded, and the value only travels on its events channel (the round trip reads it there).',
  ],
  openProducer,
  async countResults(redis, target) {
    return redis.scard(`bq:${target.queue}:succeeded`);
  },
};
