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
import type { WorkerProcess } from '../worker-process.js';
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

/** One system's figures at one concurrency, filled one repetition at a time. */
interface Series {
  system: BenchSystem;
  worker: WorkerProcess | null;
  rates: number[];
  workerCpu: number[];
  redisCpu: number[];
  commands: number[];
  failed: boolean;
}

async function repetition(ctx: ScenarioContext, series: Series, concurrency: number, rep: number): Promise<void> {
  const { system, worker } = series;
  const n = ctx.config.processJobs;
  await flush(ctx.redis);
  await fill(ctx, system, n);
  let before: RedisCounters | undefined;
  const run = await worker!.run({
    redisUrl: ctx.target.redisUrl,
    queue: ctx.target.queue,
    concurrency,
    expect: n,
    timeout: ctx.config.runTimeoutMs,
    beforeGo: async () => void (before = await redisCounters(ctx.redis)),
  });
  const after = await redisCounters(ctx.redis);
  const stored = await system.countResults(ctx.redis, ctx.target);
  if (stored < n) throw new Error(`only ${stored} of ${n} results stored`);
  series.rates.push(perSecond(n, run.ms));
  series.workerCpu.push(run.cpuUs / n);
  series.redisCpu.push(((after.cpuSeconds - before!.cpuSeconds) * 1e6) / n);
  series.commands.push((after.commands - before!.commands) / n);
  ctx.log(`  process ${system.name} c=${concurrency} rep ${rep + 1}: ${series.rates.at(-1)!.toFixed(0)} jobs/s, worker ${series.workerCpu.at(-1)!.toFixed(1)} µs/job`);
}

/**
 * One concurrency level: a worker process per system, started up front, and repetitions that go
 * round the systems, so a burst of load from elsewhere on the machine hits every system alike.
 */
async function level(ctx: ScenarioContext, concurrency: number, out: Partial<Record<SystemName, Record<string, ProcessFigures>>>): Promise<void> {
  const all: Series[] = ctx.systems.map((system) => ({ system, worker: null, rates: [], workerCpu: [], redisCpu: [], commands: [], failed: false }));
  const scenario = `process c=${concurrency}`;
  try {
    for (const series of all) {
      await guarded(ctx, series.system, scenario, async () => {
        series.worker = await startWorkerProcess(series.system.workerModule, ctx.workerExecArgv);
      });
      series.failed = series.worker === null;
    }
    for (let rep = 0; rep < ctx.config.reps; rep++) {
      for (const series of all.filter((s) => !s.failed)) {
        await guarded(ctx, series.system, scenario, async () => {
          try {
            await repetition(ctx, series, concurrency, rep);
          } catch (error) {
            series.failed = true;
            throw error;
          }
        });
      }
    }
    for (const series of all.filter((s) => !s.failed)) {
      out[series.system.name] = {
        ...out[series.system.name],
        [String(concurrency)]: {
          throughput: summarize(series.rates),
          peakRssBytes: await series.worker!.peakRss(),
          workerCpuUs: summarize(series.workerCpu),
          redisCpuUs: summarize(series.redisCpu),
          redisCommands: summarize(series.commands),
        },
      };
    }
  } finally {
    await Promise.all(all.map((s) => s.worker?.close()));
  }
}

/** Runs scenario 2: every concurrency, every system, one worker process per (system, concurrency). */
export async function runProcess(ctx: ScenarioContext): Promise<Partial<Record<SystemName, Record<string, ProcessFigures>>>> {
  const out: Partial<Record<SystemName, Record<string, ProcessFigures>>> = {};
  for (const concurrency of ctx.config.concurrency) await level(ctx, concurrency, out);
  return out;
}
