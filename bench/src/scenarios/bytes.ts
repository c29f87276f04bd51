/**
 * Scenario 4 — Redis bytes: `bytesJobs` jobs are enqueued into an empty Redis, and the sum of
 * `MEMORY USAGE` over every key is divided by the job count (bytes per queued task); then a worker
 * (concurrency 100) processes them all and the same sum gives bytes per stored result.
 */
import { flush, keyspaceBytes } from '../redis-stats.js';
import type { BytesFigures } from '../results.js';
import { summarize } from '../stats.js';
import type { BenchSystem, SystemName } from '../system.js';
import { startWorkerProcess } from '../worker-process.js';
import type { ScenarioContext } from './context.js';
import { guarded } from './context.js';
import { fill } from './process.js';

async function measure(ctx: ScenarioContext, system: BenchSystem): Promise<BytesFigures> {
  const { config } = ctx;
  const n = config.bytesJobs;
  const queued: number[] = [];
  const result: number[] = [];
  await using worker = await startWorkerProcess(system.workerModule, ctx.workerExecArgv);
  for (let rep = 0; rep < config.reps; rep++) {
    await flush(ctx.redis);
    await fill(ctx, system, n);
    queued.push((await keyspaceBytes(ctx.redis)) / n);
    await worker.run({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: 100, expect: n, timeout: config.runTimeoutMs });
    const stored = await system.countResults(ctx.redis, ctx.target);
    if (stored < n) throw new Error(`only ${stored} of ${n} results stored`);
    result.push((await keyspaceBytes(ctx.redis)) / n);
    ctx.log(`  bytes ${system.name} rep ${rep + 1}: ${queued.at(-1)!.toFixed(0)} B/queued task, ${result.at(-1)!.toFixed(0)} B/result`);
  }
  return { queued: summarize(queued), result: summarize(result) };
}

/** Runs scenario 4 for every system. */
export async function runBytes(ctx: ScenarioContext): Promise<Partial<Record<SystemName, BytesFigures>>> {
  const out: Partial<Record<SystemName, BytesFigures>> = {};
  for (const system of ctx.systems) {
    await guarded(ctx, system, 'bytes', async () => {
      out[system.name] = await measure(ctx, system);
    });
  }
  return out;
}
