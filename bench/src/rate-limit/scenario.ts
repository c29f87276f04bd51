/**
 * Rate-limit accuracy: a queue of tasks limited per worker or cluster-wide, drained by Celerity
 * workers on the bench's Redis, and the rate at which they complete next to the limit. Workers run
 * in the bench process (each with its own broker connections): the figure is the limiter's
 * accuracy, not throughput.
 */
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createRedisBroker } from '@celerity/broker-redis';
import { createWorker } from '@celerity/worker';
import type { ScenarioContext } from '../scenarios/context.js';
import { withTimeout } from '../scenarios/context.js';
import { summarize } from '../stats.js';
import { observedRate, worstWindow } from './measure.js';
import type { RateLimitResults, RateLimitRow } from './results.js';

interface RowPlan {
  scope: 'worker' | 'cluster';
  workers: number;
  limit: number;
}

/** The rows: one worker at its own limit, two workers each at theirs, four sharing a cluster-wide one. */
export const RATE_LIMIT_ROWS: readonly RowPlan[] = [
  { scope: 'worker', workers: 1, limit: 100 },
  { scope: 'worker', workers: 2, limit: 50 },
  { scope: 'cluster', workers: 4, limit: 100 },
];

/** Seconds each repetition runs at the expected rate. */
export function rateLimitSeconds(mode: 'quick' | 'full'): number {
  return mode === 'quick' ? 3 : 8;
}

const json = createJsonSerializer();

async function runOnce(ctx: ScenarioContext, plan: RowPlan, tasks: number, rep: number): Promise<number[]> {
  const times: number[] = [];
  const name = `bench.limited.${plan.scope}`;
  const limited = defineTask({ name, params: [], rateLimit: plan.limit, rateLimitScope: plan.scope }, () => void times.push(Date.now()));
  const keyPrefix = `bench-rl-${plan.scope}-${plan.workers}-${rep}:`;
  const producer = createRedisBroker({ url: ctx.target.redisUrl, keyPrefix });
  const workers = Array.from({ length: plan.workers }, (_, i) => createWorker({ broker: createRedisBroker({ url: ctx.target.redisUrl, keyPrefix }), tasks: [limited], concurrency: 10, hostname: `rl${i}@bench` }));
  try {
    const items = Array.from({ length: tasks }, () => ({ target: { queue: 'celery' }, envelope: encodeTaskMessage({ task: name, id: crypto.randomUUID(), args: [] }, { serializer: json }) }));
    await producer.publishMany(items);
    await Promise.all(workers.map((w) => w.start()));
    const expected = plan.scope === 'worker' ? plan.limit * plan.workers : plan.limit;
    await withTimeout(
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (times.length < tasks) return;
          clearInterval(check);
          resolve();
        }, 20);
      }),
      ((tasks / expected) * 2 + 10) * 1000,
      `${tasks} rate-limited tasks`,
    );
    return times;
  } finally {
    await Promise.all(workers.map((w) => w.stop({ force: true }).catch(() => {})));
    await producer.close();
    await ctx.redis.flushdb();
  }
}

/**
 * Runs every row `reps` times.
 * @example
 * results.rateLimit = await runRateLimit(ctx);
 */
export async function runRateLimit(ctx: ScenarioContext): Promise<RateLimitResults> {
  const reps = ctx.config.mode === 'quick' ? 1 : 3;
  const out: RateLimitResults = { rows: [], reps, errors: [] };
  for (const plan of RATE_LIMIT_ROWS) {
    const expected = plan.scope === 'worker' ? plan.limit * plan.workers : plan.limit;
    const tasks = Math.round(expected * rateLimitSeconds(ctx.config.mode)) + 1;
    const label = `${plan.scope} ${plan.limit}/s × ${plan.workers} worker(s)`;
    try {
      const observed: number[] = [];
      const worst: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const times = await runOnce(ctx, plan, tasks, rep);
        observed.push(observedRate(times));
        worst.push(worstWindow(times, expected));
      }
      const row: RateLimitRow = { ...plan, expected, tasks, observed: summarize(observed), worstWindow: summarize(worst) };
      out.rows.push(row);
      ctx.log(`  ${label}: ${row.observed.median.toFixed(1)}/s observed for ${expected}/s (worst 1 s window ${(row.worstWindow.median * 100).toFixed(1)}% off)`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      out.errors.push({ what: label, message });
      ctx.log(`  ${label}: FAILED ${message.split('\n')[0]}`);
    }
  }
  return out;
}
