/**
 * Celery events' cost: the same Celerity worker (async pool) processing pre-enqueued `add(x, y)`
 * tasks with events off and with events on (`eventsEnabled`: three task events per task, batched
 * in `task.multi` lists, heard by a monitor subscribed to `celeryev` in the bench process). Off and
 * on repetitions alternate so a slow spell of the machine falls on both.
 */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { BenchConfig } from '../config.js';
import { flush } from '../redis-stats.js';
import { perSecond, summarize } from '../stats.js';
import { countKeys } from '../system.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { startWorkerProcess } from '../worker-process.js';
import type { EventsResults, EventsSizes } from './results.js';

/** Sizes from the bench's mode. */
export function eventsSizes(config: BenchConfig): EventsSizes {
  return config.mode === 'quick' ? { reps: 2, jobs: 5000, concurrency: 10 } : { reps: 3, jobs: 20_000, concurrency: 10 };
}

async function fill(ctx: ScenarioContext, count: number): Promise<void> {
  const broker = createRedisBroker({ url: ctx.target.redisUrl });
  const backend = createRedisBackend({ url: ctx.target.redisUrl });
  const client = createClient({ broker, backend, defaultQueue: ctx.target.queue });
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
  const monitor = createRedisBroker({ url: ctx.target.redisUrl });
  let heard = 0;
  await monitor.subscribe('celeryev', '#', () => void heard++);
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
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const mode of rep % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        try {
          await flush(ctx.redis);
          await fill(ctx, sizes.jobs);
          heard = 0;
          const run = await workers[mode].run({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: sizes.concurrency, expect: sizes.jobs, timeout: ctx.config.runTimeoutMs });
          const stored = await countKeys(ctx.redis, 'celery-task-meta-*');
          if (stored < sizes.jobs) throw new Error(`only ${stored} of ${sizes.jobs} results stored`);
          rates[mode].push(perSecond(sizes.jobs, run.ms));
          if (mode === 'on') out.heard.push(heard);
          ctx.log(`  events ${mode} c=${sizes.concurrency} rep ${rep + 1}: ${rates[mode].at(-1)!.toFixed(0)} tasks/s${mode === 'on' ? ` (${heard} event messages heard)` : ''}`);
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
    await monitor.close();
  }
  if (rates.off.length > 0) out.off = summarize(rates.off);
  if (rates.on.length > 0) out.on = summarize(rates.on);
  return out;
}
