/**
 * Scenario 1 — enqueue: `enqueueOne` jobs sent one at a time (each awaited), then `enqueueBulk`
 * jobs through the bulk API in batches of `bulkBatch`. Figures are jobs/s seen by the producer.
 */
import { performance } from 'node:perf_hooks';
import { flush } from '../redis-stats.js';
import type { EnqueueFigures } from '../results.js';
import { perSecond, summarize } from '../stats.js';
import type { BenchSystem, Producer, SystemName } from '../system.js';
import type { ScenarioContext } from './context.js';
import { guarded, withTimeout } from './context.js';

async function timed(ctx: ScenarioContext, system: BenchSystem, count: number, send: (producer: Producer) => Promise<void> | undefined): Promise<number | undefined> {
  await flush(ctx.redis);
  const producer = await system.openProducer(ctx.target);
  try {
    const started = performance.now();
    const sending = send(producer);
    if (!sending) return undefined;
    await withTimeout(sending, ctx.config.runTimeoutMs, `${system.name} enqueue`);
    return perSecond(count, performance.now() - started);
  } finally {
    await producer.close();
  }
}

/** Runs scenario 1 for every system; repetitions alternate between systems. */
export async function runEnqueue(ctx: ScenarioContext): Promise<Partial<Record<SystemName, EnqueueFigures>>> {
  const { config } = ctx;
  const one = new Map<SystemName, number[]>();
  const bulk = new Map<SystemName, number[]>();
  for (let rep = 0; rep < config.reps; rep++) {
    for (const system of ctx.systems) {
      await guarded(ctx, system, 'enqueue', async () => {
        const single = await timed(ctx, system, config.enqueueOne, (p) => p.enqueueOne?.(config.enqueueOne));
        if (single !== undefined) one.set(system.name, [...(one.get(system.name) ?? []), single]);
        const batched = await timed(ctx, system, config.enqueueBulk, (p) => p.enqueueBulk(config.enqueueBulk, config.bulkBatch));
        if (batched !== undefined) bulk.set(system.name, [...(bulk.get(system.name) ?? []), batched]);
        ctx.log(`  enqueue ${system.name} rep ${rep + 1}: one ${single?.toFixed(0) ?? '—'}/s, bulk ${batched?.toFixed(0)}/s`);
      });
    }
  }
  const out: Partial<Record<SystemName, EnqueueFigures>> = {};
  for (const system of ctx.systems) {
    const figures: EnqueueFigures = {};
    const o = one.get(system.name);
    const b = bulk.get(system.name);
    if (o) figures.one = summarize(o);
    if (b) figures.bulk = summarize(b);
    if (o || b) out[system.name] = figures;
  }
  return out;
}
