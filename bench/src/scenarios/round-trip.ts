/**
 * Scenario 3 — round trip: with a worker already consuming, send one `add(x, y)` and wait for its
 * result, in a row: at least `roundTrips` times and for at least `roundTripMinMs` (at most
 * `roundTripMaxMs`) per repetition. Figures are p50 / p99 in ms.
 *
 * Every system's worker and producer are up at once and the repetitions are interleaved (rep 1 of
 * each system, then rep 2, each rep in a rotated order), so a slow spell of this shared VM lands
 * on every system instead of on whichever was measured during it. Each system has its own queue:
 * several peers read kombu's list layout.
 */
import { performance } from 'node:perf_hooks';
import { flush } from '../redis-stats.js';
import type { RoundTripFigures } from '../results.js';
import { percentile, summarize } from '../stats.js';
import type { BenchSystem, Producer, SystemName } from '../system.js';
import { startWorkerProcess, type WorkerProcess } from '../worker-process.js';
import type { ScenarioContext } from './context.js';
import { guarded, withTimeout } from './context.js';

async function once(producer: Producer, i: number): Promise<void> {
  const value = await withTimeout(producer.roundTrip(i, 1), 30_000, 'round trip');
  if (value !== i + 1) throw new Error(`add(${i}, 1) returned ${String(value)}`);
}

/** One system under measurement: its worker, its producer and its repetitions so far. */
interface Contender {
  system: BenchSystem;
  worker: WorkerProcess;
  producer: Producer;
  p50: number[];
  p99: number[];
  samples: number[];
}

async function open(ctx: ScenarioContext, system: BenchSystem): Promise<Contender> {
  const { config } = ctx;
  const target = { ...ctx.target, queue: `${ctx.target.queue}-rt-${system.name}` };
  const worker = await startWorkerProcess(system.workerModule, ctx.workerExecArgv);
  try {
    await worker.serve({ redisUrl: target.redisUrl, queue: target.queue, concurrency: config.roundTripConcurrency });
    const producer = await system.openProducer(target);
    return { system, worker, producer, p50: [], p99: [], samples: [] };
  } catch (error) {
    await worker.close().catch(() => undefined);
    throw error;
  }
}

async function warmUp(ctx: ScenarioContext, c: Contender): Promise<void> {
  const warmUntil = performance.now() + ctx.config.roundTripMaxMs / 10;
  for (let i = 0; i < ctx.config.roundTripWarmup && (i === 0 || performance.now() < warmUntil); i++) await once(c.producer, i);
}

async function repetition(ctx: ScenarioContext, c: Contender, rep: number): Promise<void> {
  const latencies: number[] = [];
  const { roundTrips, roundTripMinMs, roundTripMaxMs } = ctx.config;
  const started = performance.now();
  const longEnough = started + roundTripMinMs;
  const deadline = started + roundTripMaxMs;
  for (let i = 0; (i < roundTrips || performance.now() < longEnough) && performance.now() < deadline; i++) {
    const sent = performance.now();
    await once(c.producer, i);
    latencies.push(performance.now() - sent);
  }
  c.p50.push(percentile(latencies, 50));
  c.p99.push(percentile(latencies, 99));
  c.samples.push(latencies.length);
  ctx.log(`  round trip ${c.system.name} rep ${rep + 1}: p50 ${c.p50.at(-1)!.toFixed(3)} ms, p99 ${c.p99.at(-1)!.toFixed(3)} ms (${latencies.length})`);
}

async function shut(c: Contender): Promise<void> {
  await c.producer.close().catch(() => undefined);
  await c.worker.stopServing().catch(() => undefined);
  await c.worker.close().catch(() => undefined);
}

/** Runs scenario 3 for every system, repetitions interleaved (see module comment). */
export async function runRoundTrip(ctx: ScenarioContext): Promise<Partial<Record<SystemName, RoundTripFigures>>> {
  const failed = (c: Contender): boolean => ctx.errors.some((e) => e.system === c.system.name && e.scenario === 'round-trip');
  await flush(ctx.redis);
  const contenders: Contender[] = [];
  try {
    for (const system of ctx.systems) {
      await guarded(ctx, system, 'round-trip', async () => {
        const c = await open(ctx, system);
        contenders.push(c);
        await warmUp(ctx, c);
      });
    }
    for (let rep = 0; rep < ctx.config.reps; rep++) {
      // Rotated each rep, so no system is always measured right after the same other one.
      const order = contenders.map((_, k) => contenders[(k + rep) % contenders.length]!);
      for (const c of order) {
        if (!failed(c)) await guarded(ctx, c.system, 'round-trip', () => repetition(ctx, c, rep));
      }
    }
  } finally {
    for (const c of contenders) await shut(c);
  }
  const out: Partial<Record<SystemName, RoundTripFigures>> = {};
  for (const c of contenders) {
    if (!failed(c) && c.p50.length > 0) out[c.system.name] = { p50: summarize(c.p50), p99: summarize(c.p99), samples: c.samples };
  }
  return out;
}
