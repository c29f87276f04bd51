/**
 * Celery events' cost: the same Celerity worker (async pool) processing pre-enqueued `add(x, y)`
 * tasks with events off and with events on (`eventsEnabled`: three task events per task, batched
 * in `task.multi` lists, counted by a monitor subscribed to kombu's `celeryev` channels of db 0 in
 * the bench process, without decoding them). Off and
 * on repetitions alternate so a slow spell of the machine falls on both; each worker first makes one
 * untimed run as long as a measured one.
 */
import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { BenchConfig } from '../config.js';
import { flush, redisCounters } from '../redis-stats.js';
import { perSecond, summarize } from '../stats.js';
import { countKeys } from '../system.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { startWorkerProcess } from '../worker-process.js';
import type { EventsResults, EventsSizes } from './results.js';


/** Sizes from the bench's mode. */
export function eventsSizes(config: BenchConfig): EventsSizes {
  return config.mode === 'quick' ? { reps: 2, jobs: 5000, concurrency: 10 } : { reps: 3, jobs: 20_000, concurrency: 10 };
}

/** Enqueues `count` `add(i, i)` tasks on `queue` (the events rows' workload; events-profile.ts too). */
export async function fillAdds(redisUrl: string, queue: string, count: number): Promise<void> {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  const client = createClient({ broker, backend, defaultQueue: queue });
  try {
    for (let start = 0; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) items.push({ task: 'tasks.add', args: [i, i] });
      await client.sendMany(items);
    }
  } finally {
    await client.close();
    await broker.close();
    await backend.close();
  }
}

/** Runs the off / on rows. */
export async function runEvents(ctx: ScenarioContext): Promise<EventsResults> {
  const sizes = eventsSizes(ctx.config);
  const out: EventsResults = { sizes, heard: [], errors: [] };
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  // A monitor that only counts the event messages (kombu's channels on db 0), so that decoding
  // them does not take the CPU the worker is measured on.
  const monitor = new Redis(ctx.target.redisUrl);
  let heard = 0;
  monitor.on('pmessageBuffer', () => void heard++);
  await monitor.psubscribe('/0.celeryev/*');
  // The worker child reads the switch from its environment, inherited when it is forked.
  const start = async (mode: 'off' | 'on') => {
    process.env['BENCH_CELERITY_EVENTS'] = mode;
    try {
      return await startWorkerProcess('celerity-events.ts', ctx.workerExecArgv);
    } finally {
      delete process.env['BENCH_CELERITY_EVENTS'];
    }
  };
  const workers = { off: await start('off'), on: await start('on') };
  try {
    // One untimed run each first, as long as a measured one: a cold worker's first run measures
    // the JIT more than events. After 2000 tasks the first measured run still took about twice
    // the CPU per task of the third, events on more than off (2026-12-07).
    for (const mode of ['off', 'on'] as const) {
      await flush(ctx.redis);
      await fillAdds(ctx.target.redisUrl, ctx.target.queue, sizes.jobs);
      await workers[mode].run({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: sizes.concurrency, expect: sizes.jobs, timeout: ctx.config.runTimeoutMs });
    }
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const mode of rep % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        try {
          await flush(ctx.redis);
          await fillAdds(ctx.target.redisUrl, ctx.target.queue, sizes.jobs);
          heard = 0;
          const redisBefore = await redisCounters(ctx.redis);
          const run = await workers[mode].run({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: sizes.concurrency, expect: sizes.jobs, timeout: ctx.config.runTimeoutMs });
          const stored = await countKeys(ctx.redis, 'celery-task-meta-*');
          if (stored < sizes.jobs) throw new Error(`only ${stored} of ${sizes.jobs} results stored`);
          const redisCpuUs = ((await redisCounters(ctx.redis)).cpuSeconds - redisBefore.cpuSeconds) * 1e6;
          rates[mode].push(perSecond(sizes.jobs, run.ms));
          if (mode === 'on') out.heard.push(heard);
          ctx.log(`  events ${mode} c=${sizes.concurrency} rep ${rep + 1}: ${rates[mode].at(-1)!.toFixed(0)} tasks/s, CPU per task: worker ${(run.cpuUs / sizes.jobs).toFixed(1)} µs, Redis ${(redisCpuUs / sizes.jobs).toFixed(1)} µs${mode === 'on' ? ` (${heard} event messages heard)` : ''}`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          out.errors.push({ row: `events ${mode} rep ${rep + 1}`, message });
          ctx.log(`  events ${mode}: FAILED ${message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    await workers.off.close();
    await workers.on.close();
    monitor.disconnect();
  }
  if (rates.off.length > 0) out.off = summarize(rates.off);
  if (rates.on.length > 0) out.on = summarize(rates.on);
  return out;
}
