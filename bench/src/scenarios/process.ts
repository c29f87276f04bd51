/**
 * Scenario 2 — process: `processJobs` jobs are enqueued in bulk, then a worker in its own process
 * with concurrency N runs `add(x, y)` on all of them, keeping results. The clock runs from the
 * worker's `go` to its last stored result; the count of stored results is checked afterwards.
 */
import { flush, redisCounters } from '../redis-stats.js';
import type { RedisCounters } from '../redis-stats.js';
import type { ProcessFigures } from '../results.js';
import { perSecond, summarize } from '../stats.js';
import type { BenchSystem, SystemName } from '../system.js';
import { startWorkerProcess } from '../worker-process.js';
import type { ScenarioContext } from './context.js';
import { guarded } from './context.js';

/** Enqueues `count` jobs with the system's bulk API (untimed). */
export async function fill(ctx: ScenarioContext, system: BenchSystem, count: number): Promise<void> {
  const producer = await system.openProducer(ctx.target);
  try {
    await producer.enqueueBulk(count, ctx.config.bulkBatch);
  } finally {
    await producer.close();
  }
}

async function measure(ctx: ScenarioContext, system: BenchSystem, concurrency: number): Promise<ProcessFigures> {
  const { config } = ctx;
  const n = config.processJobs;
  const rates: number[] = [];
  const workerCpu: number[] = [];
  const redisCpu: number[] = [];
  const commands: number[] = [];
  await using worker = await startWorkerProcess(system.workerModule, ctx.workerExecArgv);
  for (let rep = 0; rep < config.reps; rep++) {
    await flush(ctx.redis);
    await fill(ctx, system, n);
    let before: RedisCounters | undefined;
    const run = await worker.run({
      redisUrl: ctx.target.redisUrl,
      queue: ctx.target.queue,
      concurrency,
      expect: n,
      timeout: config.runTimeoutMs,
      beforeGo: async () => void (before = await redisCounters(ctx.redis)),
    });
    const after = await redisCounters(ctx.redis);
    const stored = await system.countResults(ctx.redis, ctx.target);
    if (stored < n) throw new Error(`only ${stored} of ${n} results stored`);
    rates.push(perSecond(n, run.ms));
    workerCpu.push(run.cpuUs / n);
    redisCpu.push(((after.cpuSeconds - before!.cpuSeconds) * 1e6) / n);
    commands.push((after.commands - before!.commands) / n);
    ctx.log(`  process ${system.name} c=${concurrency} rep ${rep + 1}: ${rates.at(-1)!.toFixed(0)} jobs/s, worker ${workerCpu.at(-1)!.toFixed(1)} µs/job`);
  }
  return {
    throughput: summarize(rates),
    peakRssBytes: await worker.peakRss(),
    workerCpuUs: summarize(workerCpu),
    redisCpuUs: summarize(redisCpu),
    redisCommands: summarize(commands),
  };
}

/** Runs scenario 2: every concurrency, every system, one worker process per (system, concurrency). */
export async function runProcess(ctx: ScenarioContext): Promise<Partial<Record<SystemName, Record<string, ProcessFigures>>>> {
  const out: Partial<Record<SystemName, Record<string, ProcessFigures>>> = {};
  for (const concurrency of ctx.config.concurrency) {
    for (const system of ctx.systems) {
      await guarded(ctx, system, `process c=${concurrency}`, async () => {
        const figures = await measure(ctx, system, concurrency);
        out[system.name] = { ...out[system.name], [String(concurrency)]: figures };
      });
    }
  }
  return out;
}
