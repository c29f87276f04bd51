/**
 * Celerity's pool rows: the same worker with task bodies on its event loop (`async`), in
 * `node:worker_threads` (`threads`) and in forked processes (`processes`), at concurrency 2 and 8,
 * for a no-op task and a small CPU-bound one. Each (pool, concurrency) gets one worker process; a
 * repetition enqueues its tasks in bulk (untimed), and the clock runs from the worker's `go` to its
 * last stored result. The time includes starting the pool's children (`worker.start()` starts them):
 * a few hundred ms, small against a repetition.
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
import type { PoolKind, PoolRow, PoolSizes, PoolTask, PoolsResults } from './results.js';

const POOLS: readonly PoolKind[] = ['async', 'threads', 'processes'];
const TASKS: readonly PoolTask[] = ['no-op', 'cpu'];

/** Sizes from the bench's mode. */
export function poolSizes(config: BenchConfig): PoolSizes {
  return config.mode === 'quick'
    ? { reps: 2, noopJobs: 2000, cpuJobs: 1000, cpuSteps: 200_000, concurrency: [2, 8] }
    : { reps: 3, noopJobs: 10_000, cpuJobs: 4000, cpuSteps: 200_000, concurrency: [2, 8] };
}

async function fill(ctx: ScenarioContext, task: PoolTask, count: number, sizes: PoolSizes): Promise<void> {
  const broker = createRedisBroker({ url: ctx.target.redisUrl });
  const backend = createRedisBackend({ url: ctx.target.redisUrl });
  const client = createClient({ broker, backend, defaultQueue: ctx.target.queue });
  try {
    for (let start = 0; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) items.push(task === 'no-op' ? { task: 'tasks.add', args: [i, i] } : { task: 'tasks.fib', args: [sizes.cpuSteps] });
      await client.sendMany(items);
    }
  } finally {
    await client.close();
    await broker.close();
    await backend.close();
  }
}

async function measure(ctx: ScenarioContext, pool: PoolKind, concurrency: number, sizes: PoolSizes, out: PoolsResults): Promise<void> {
  // The worker child reads its pool from its environment, inherited when it is forked.
  process.env['BENCH_CELERITY_POOL'] = pool;
  const worker = await startWorkerProcess('celerity-pool.ts', ctx.workerExecArgv);
  try {
    for (const task of TASKS) {
      const n = task === 'no-op' ? sizes.noopJobs : sizes.cpuJobs;
      const rates: number[] = [];
      const cpu: number[] = [];
      try {
        for (let rep = 0; rep < sizes.reps; rep++) {
          await flush(ctx.redis);
          await fill(ctx, task, n, sizes);
          const run = await worker.run({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency, expect: n, timeout: ctx.config.runTimeoutMs });
          const stored = await countKeys(ctx.redis, 'celery-task-meta-*');
          if (stored < n) throw new Error(`only ${stored} of ${n} results stored`);
          rates.push(perSecond(n, run.ms));
          cpu.push(run.cpuUs / n);
          ctx.log(`  pools ${pool} ${task} c=${concurrency} rep ${rep + 1}: ${rates.at(-1)!.toFixed(0)} tasks/s`);
        }
        out.rows.push({ pool, task, concurrency, rate: summarize(rates), workerCpuUs: summarize(cpu) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        out.errors.push({ row: `${pool} ${task} c=${concurrency}`, message });
        ctx.log(`  pools ${pool} ${task} c=${concurrency}: FAILED ${message.split('\n')[0]}`);
      }
    }
  } finally {
    delete process.env['BENCH_CELERITY_POOL'];
    await worker.close();
  }
}

/** Runs every pool row. */
export async function runPools(ctx: ScenarioContext): Promise<PoolsResults> {
  const sizes = poolSizes(ctx.config);
  const out: PoolsResults = { sizes, rows: [], errors: [] };
  for (const concurrency of sizes.concurrency) for (const pool of POOLS) await measure(ctx, pool, concurrency, sizes, out);
  return out;
}
