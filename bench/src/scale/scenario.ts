/**
 * Two Celerity worker processes against one on the same queue: `jobs` pre-queued `add(x, y)` tasks,
 * each process at the same concurrency, results kept, on the bench's Redis. The workers are started
 * and idle on an empty queue when the clock starts with the move of the tasks from a staging db onto
 * it (as in the features part), so neither setup's time includes starting processes or connecting.
 * The clock stops when Redis holds a result for every task: the bench polls `INFO keyspace` every
 * 5 ms for the count of keys with an expiry (every result has one), then counts the results.
 * Repetitions alternate the order of the two setups; each worker process makes one untimed run first.
 */
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import type { ScenarioContext } from '../scenarios/context.js';
import { flush, redisCounters } from '../redis-stats.js';
import { perSecond, summarize } from '../stats.js';
import { countKeys } from '../system.js';
import { celeritySystem } from '../systems/celerity.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import { STAGE_DB, rowOrder } from '../features/plan.js';
import { onDb, sendAdds } from '../features/stage.js';
import { keyspaceExpires, scaleSizes } from './measure.js';
import type { ScaleResults, ScaleSizes } from './results.js';

const POLL_MS = 5;

/** Resolves with `performance.now()` once Redis holds `jobs` results. */
async function resultsStored(ctx: ScenarioContext, jobs: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const sleep = async (ms: number): Promise<void> => {
    if (performance.now() > deadline) throw new Error(`${jobs} results: not stored within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  };
  while (keyspaceExpires(await ctx.redis.info('keyspace'), 0) < jobs) await sleep(POLL_MS);
  let at = performance.now();
  // Other keys with an expiry (a restore pass's mutex) come and go: count the results themselves.
  while ((await countKeys(ctx.redis, 'celery-task-meta-*')) < jobs) {
    await sleep(50);
    at = performance.now();
  }
  return at;
}

interface Measured {
  ms: number;
  workerCpuUs: number;
  redisCpuUs: number;
}

async function runOnce(ctx: ScenarioContext, stage: Redis, workers: readonly WorkerProcess[], sizes: ScaleSizes): Promise<Measured> {
  const { redisUrl, queue } = ctx.target;
  await flush(ctx.redis);
  await sendAdds(onDb(redisUrl, STAGE_DB), queue, sizes.jobs);
  await Promise.all(workers.map((w) => w.serve({ redisUrl, queue, concurrency: sizes.concurrency })));
  const before = await redisCounters(ctx.redis);
  const started = performance.now();
  if ((await stage.move(queue, 0)) !== 1) throw new Error(`no staged tasks to move onto ${queue}`);
  const ended = await resultsStored(ctx, sizes.jobs, ctx.config.runTimeoutMs);
  const after = await redisCounters(ctx.redis);
  const runs = await Promise.all(workers.map((w) => w.stopServing()));
  const processed = runs.reduce((sum, r) => sum + r.processed, 0);
  if (processed < sizes.jobs) throw new Error(`the workers ran ${processed} of ${sizes.jobs} tasks`);
  return { ms: ended - started, workerCpuUs: runs.reduce((sum, r) => sum + r.cpuUs, 0), redisCpuUs: (after.cpuSeconds - before.cpuSeconds) * 1e6 };
}

/**
 * Runs one and two worker processes, `reps` times each.
 * @example
 * results.scale = await runScale(ctx);
 */
export async function runScale(ctx: ScenarioContext): Promise<ScaleResults> {
  const sizes = scaleSizes(ctx.config);
  const out: ScaleResults = { sizes, cores: cpus().length, rows: [], errors: [] };
  const setups: Array<{ processes: number; workers: WorkerProcess[]; runs: Measured[]; failed: boolean }> = [];
  // Its own connection on the staging db, which moves the tasks onto the queue as the clock starts.
  const stage = new Redis(ctx.target.redisUrl, { db: STAGE_DB });
  try {
    for (const processes of [1, 2]) {
      const workers: WorkerProcess[] = [];
      setups.push({ processes, workers, runs: [], failed: false });
      for (let i = 0; i < processes; i++) workers.push(await startWorkerProcess(celeritySystem.workerModule, ctx.workerExecArgv));
    }
    const attempt = async (setup: (typeof setups)[number], measured: boolean): Promise<void> => {
      try {
        const run = await runOnce(ctx, stage, setup.workers, sizes);
        if (!measured) return;
        setup.runs.push(run);
        ctx.log(`  scale ${setup.processes} process(es) × c=${sizes.concurrency}: ${perSecond(sizes.jobs, run.ms).toFixed(0)} tasks/s, CPU per task: workers ${(run.workerCpuUs / sizes.jobs).toFixed(1)} µs, Redis ${(run.redisCpuUs / sizes.jobs).toFixed(1)} µs`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        setup.failed = true;
        // Its workers may still be consuming: they must not take the other setup's tasks.
        await Promise.all(setup.workers.map((w) => w.close()));
        out.errors.push({ row: `${setup.processes} process(es)`, message });
        ctx.log(`  scale ${setup.processes} process(es): FAILED ${message.split('\n')[0]}`);
      }
    };
    for (const setup of setups) await attempt(setup, false);
    for (let rep = 0; rep < sizes.reps; rep++) for (const setup of rowOrder(setups, rep).filter((s) => !s.failed)) await attempt(setup, true);
    for (const setup of setups.filter((s) => !s.failed && s.runs.length > 0)) {
      out.rows.push({
        processes: setup.processes,
        rate: summarize(setup.runs.map((r) => perSecond(sizes.jobs, r.ms))),
        workerCpuUs: summarize(setup.runs.map((r) => r.workerCpuUs / sizes.jobs)),
        redisCpuUs: summarize(setup.runs.map((r) => r.redisCpuUs / sizes.jobs)),
        redisCoreShare: summarize(setup.runs.map((r) => r.redisCpuUs / 1000 / r.ms)),
      });
    }
  } finally {
    await Promise.all(setups.flatMap((s) => s.workers.map((w) => w.close())));
    stage.disconnect();
    await flush(ctx.redis);
  }
  return out;
}
