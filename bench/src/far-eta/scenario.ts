/**
 * Far-future ETAs at scale: `tasks` tasks due a day ahead, sent in bulk to the bench's Redis
 * (flushed first) by Celerity's client with broker-redis's parked mode (`parkEtaAfter`) and by
 * BullMQ as delayed jobs. Per system: the enqueue rate, the growth of Redis's `used_memory` per task,
 * and the resident memory of a worker of the system consuming the queue beside them (in its own
 * process, sampled over `holdMs`), against the same worker on an empty Redis. One repetition.
 */
import { Queue } from 'bullmq';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { ScenarioContext } from '../scenarios/context.js';
import { flush, infoNumber, redisCounters } from '../redis-stats.js';
import { perSecond } from '../stats.js';
import { bullmqSystem, redisOptions } from '../systems/bullmq.js';
import { celeritySystem } from '../systems/celerity.js';
import { processMemory } from '../features/proc.js';
import { startWorkerProcess } from '../worker-process.js';
import { farEtaSizes, sampleLargest } from './measure.js';
import type { FarEtaResults, FarEtaRow, FarEtaSizes, FarEtaSystem } from './results.js';

const BATCH = 1000;

async function usedMemory(ctx: ScenarioContext): Promise<number> {
  return infoNumber(await ctx.redis.info('memory'), 'used_memory');
}

/** Sends every task with the system's bulk API; resolves with the elapsed ms. */
async function enqueue(ctx: ScenarioContext, system: FarEtaSystem, sizes: FarEtaSizes): Promise<number> {
  const { redisUrl, queue } = ctx.target;
  if (system === 'celerity') {
    const broker = createRedisBroker({ url: redisUrl, parkEtaAfter: sizes.parkEtaAfter });
    const client = createClient({ broker, defaultQueue: queue });
    try {
      await broker.connect();
      const started = performance.now();
      for (let start = 0; start < sizes.tasks; start += BATCH) {
        const items = [];
        for (let i = start; i < Math.min(sizes.tasks, start + BATCH); i++) items.push({ task: 'tasks.add', args: [i, i], options: { countdown: sizes.delayS } });
        await client.sendMany(items);
      }
      return performance.now() - started;
    } finally {
      await client.close();
      await broker.close();
    }
  }
  const bull = new Queue<{ x: number; y: number }, number>(queue, { connection: redisOptions(redisUrl) });
  try {
    await bull.waitUntilReady();
    const started = performance.now();
    for (let start = 0; start < sizes.tasks; start += BATCH) {
      const jobs = [];
      for (let i = start; i < Math.min(sizes.tasks, start + BATCH); i++) jobs.push({ name: 'add', data: { x: i, y: i }, opts: { delay: sizes.delayS * 1000 } });
      await bull.addBulk(jobs);
    }
    return performance.now() - started;
  } finally {
    await bull.close();
  }
}

/** Tasks the system holds for later: Celerity's parked zset, BullMQ's delayed zset. */
async function stored(ctx: ScenarioContext, system: FarEtaSystem): Promise<number> {
  return system === 'celerity' ? ctx.redis.zcard('_celerity.parked') : ctx.redis.zcard(`bull:${ctx.target.queue}:delayed`);
}

/** A fresh worker of the system consuming the queue for `holdMs`: its largest VmRSS, its CPU and Redis's meanwhile. */
async function hold(ctx: ScenarioContext, system: FarEtaSystem, sizes: FarEtaSizes): Promise<{ rss: number; cpuMs: number; redisCpuMs: number }> {
  const worker = await startWorkerProcess(system === 'celerity' ? celeritySystem.workerModule : bullmqSystem.workerModule, ctx.workerExecArgv);
  try {
    await worker.serve({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: 10 });
    const before = await redisCounters(ctx.redis);
    const rss = await sampleLargest({ read: () => processMemory(worker.pid, 'VmRSS'), durationMs: sizes.holdMs, everyMs: 250 });
    const after = await redisCounters(ctx.redis);
    const run = await worker.stopServing();
    if (run.processed > 0) throw new Error(`the ${system} worker ran ${run.processed} task(s) due a day ahead`);
    return { rss, cpuMs: run.cpuUs / 1000, redisCpuMs: (after.cpuSeconds - before.cpuSeconds) * 1000 };
  } finally {
    await worker.close();
  }
}

async function row(ctx: ScenarioContext, system: FarEtaSystem, sizes: FarEtaSizes): Promise<FarEtaRow> {
  await flush(ctx.redis);
  const idle = await hold(ctx, system, sizes);
  await flush(ctx.redis);
  const before = await usedMemory(ctx);
  const ms = await enqueue(ctx, system, sizes);
  const after = await usedMemory(ctx);
  const keys = await ctx.redis.dbsize();
  const count = await stored(ctx, system);
  if (count !== sizes.tasks) throw new Error(`${count} of ${sizes.tasks} tasks stored for later`);
  const holding = await hold(ctx, system, sizes);
  const left = await stored(ctx, system);
  if (left !== sizes.tasks) throw new Error(`${left} of ${sizes.tasks} tasks still stored for later after the worker ran`);
  const out: FarEtaRow = {
    system,
    enqueuePerS: perSecond(sizes.tasks, ms),
    usedMemoryBytes: after - before,
    keys,
    idleRssBytes: idle.rss,
    idleCpuMs: idle.cpuMs,
    holdingRssBytes: holding.rss,
    holdingCpuMs: holding.cpuMs,
    holdingRedisCpuMs: holding.redisCpuMs,
  };
  ctx.log(`  far-eta ${system}: ${out.enqueuePerS.toFixed(0)} tasks/s sent, ${(out.usedMemoryBytes / sizes.tasks).toFixed(0)} Redis bytes per task, ${keys} keys; worker RSS ${(idle.rss / 2 ** 20).toFixed(1)} MiB idle, ${(holding.rss / 2 ** 20).toFixed(1)} MiB beside the tasks`);
  return out;
}

/**
 * Runs the Celerity and BullMQ rows.
 * @example
 * results.farEta = await runFarEta(ctx);
 */
export async function runFarEta(ctx: ScenarioContext): Promise<FarEtaResults> {
  const sizes = farEtaSizes(ctx.config);
  const out: FarEtaResults = { sizes, rows: [], errors: [] };
  for (const system of ['celerity', 'bullmq'] as const) {
    try {
      out.rows.push(await row(ctx, system, sizes));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      out.errors.push({ row: system, message });
      ctx.log(`  far-eta ${system}: FAILED ${message.split('\n')[0]}`);
    } finally {
      await flush(ctx.redis);
    }
  }
  return out;
}
