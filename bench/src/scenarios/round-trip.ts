/**
 * Scenario 3 — round trip: with a worker already consuming, send one `add(x, y)` and wait for its
 * result, `roundTrips` times in a row (or until `roundTripMaxMs`). Figures are p50 / p99 in ms.
 */
import { performance } from 'node:perf_hooks';
import { flush } from '../redis-stats.js';
import type { RoundTripFigures } from '../results.js';
import { percentile, summarize } from '../stats.js';
import type { BenchSystem, Producer, SystemName } from '../system.js';
import { startWorkerProcess } from '../worker-process.js';
import type { ScenarioContext } from './context.js';
import { guarded, withTimeout } from './context.js';

async function once(producer: Producer, i: number): Promise<void> {
  const value = await withTimeout(producer.roundTrip(i, 1), 30_000, 'round trip');
  if (value !== i + 1) throw new Error(`add(${i}, 1) returned ${String(value)}`);
}

async function measure(ctx: ScenarioContext, system: BenchSystem): Promise<RoundTripFigures> {
  const { config } = ctx;
  const p50: number[] = [];
  const p99: number[] = [];
  const samples: number[] = [];
  await flush(ctx.redis);
  await using worker = await startWorkerProcess(system.workerModule, ctx.workerExecArgv);
  await worker.serve({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: config.roundTripConcurrency });
  const producer = await system.openProducer(ctx.target);
  try {
    const warmUntil = performance.now() + config.roundTripMaxMs / 10;
    for (let i = 0; i < config.roundTripWarmup && (i === 0 || performance.now() < warmUntil); i++) await once(producer, i);
    for (let rep = 0; rep < config.reps; rep++) {
      const latencies: number[] = [];
      const deadline = performance.now() + config.roundTripMaxMs;
      for (let i = 0; i < config.roundTrips && performance.now() < deadline; i++) {
        const started = performance.now();
        await once(producer, i);
        latencies.push(performance.now() - started);
      }
      p50.push(percentile(latencies, 50));
      p99.push(percentile(latencies, 99));
      samples.push(latencies.length);
      ctx.log(`  round trip ${system.name} rep ${rep + 1}: p50 ${p50.at(-1)!.toFixed(3)} ms, p99 ${p99.at(-1)!.toFixed(3)} ms (${latencies.length})`);
    }
  } finally {
    await producer.close();
    await worker.stopServing().catch(() => undefined);
  }
  return { p50: summarize(p50), p99: summarize(p99), samples };
}

/** Runs scenario 3 for every system. */
export async function runRoundTrip(ctx: ScenarioContext): Promise<Partial<Record<SystemName, RoundTripFigures>>> {
  const out: Partial<Record<SystemName, RoundTripFigures>> = {};
  for (const system of ctx.systems) {
    await guarded(ctx, system, 'round-trip', async () => {
      out[system.name] = await measure(ctx, system);
    });
  }
  return out;
}
