/**
 * The PostgreSQL part: graphile-worker and pg-boss on a database made for the run (dropped at the end,
 * also on failure). Enqueue one at a time and in bulk, processing at each concurrency with results
 * kept where the peer keeps them, and round trips. Producers and workers run in child processes of
 * their own under the Node that {@link pgNode} picks; repetitions go round the variants, as the
 * Redis scenarios do.
 */
import type { BenchConfig } from '../config.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { percentile, perSecond, summarize } from '../stats.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import { createBenchDatabase } from './database.js';
import type { BenchDatabase } from './database.js';
import { DATABASE_URL_VAR } from './env.js';
import { pgNode } from './node.js';
import { readPostgresCpuSeconds } from './server-cpu.js';
import type { PgPeerName, PgVariant } from './peers.js';
import { variantsOf } from './peers.js';
import { startProducer } from './producer-process.js';
import type { ProducerProcess } from './producer-process.js';
import type { PgResults, PgSizes } from './results.js';

/**
 * The part's sizes: the Redis scenarios' sizes, except that a full run sends 2,000 jobs one at a time
 * and processes 10,000 per run. On a busy machine the peers' medians were 133–974 sends/s one at a time
 * and 178–385 jobs/s at concurrency 1: the Redis sizes would add tens of minutes.
 */
export function pgSizes(config: BenchConfig): PgSizes {
  return {
    reps: config.reps,
    enqueueOne: Math.min(config.enqueueOne, 2000),
    enqueueBulk: config.enqueueBulk,
    bulkBatch: config.bulkBatch,
    processJobs: Math.min(config.processJobs, 10_000),
    concurrency: config.concurrency,
    roundTrips: config.roundTrips,
    roundTripMinMs: config.roundTripMinMs,
    roundTripMaxMs: config.roundTripMaxMs,
    roundTripWarmup: config.roundTripWarmup,
    roundTripConcurrency: config.roundTripConcurrency,
  };
}

/** One variant: its settings and its producer child (workers are started per scenario). */
interface Lane {
  variant: PgVariant;
  env: Record<string, string>;
  producer: ProducerProcess;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs the part for the selected peers. */
export async function runPg(ctx: ScenarioContext, peers: readonly PgPeerName[]): Promise<PgResults> {
  const sizes = pgSizes(ctx.config);
  const out: PgResults = { postgres: 'unavailable', database: '', node: '', sizes, rows: [], enqueue: {}, process: {}, roundTrip: {}, errors: [] };
  const fail = (row: string, scenario: string, error: unknown): void => {
    out.errors.push({ row, scenario, message: message(error) });
    ctx.log(`  ${row} ${scenario}: FAILED ${message(error).split('\n')[0]}`);
  };
  let db: BenchDatabase;
  try {
    db = await createBenchDatabase();
  } catch (error) {
    fail('pg', 'setup', error);
    return out;
  }
  out.postgres = db.serverVersion;
  out.database = db.name;
  const lanes: Lane[] = [];
  try {
    const node = pgNode();
    out.node = node.reason;
    ctx.log(`  database ${db.name} on PostgreSQL ${db.serverVersion}; children run ${node.execPath} (${node.reason})`);
    for (const variant of variantsOf(peers)) {
      const env = { ...variant.env, [DATABASE_URL_VAR]: db.url };
      out.rows.push({ name: variant.name, label: variant.label, settings: variant.settings, roundTrip: variant.roundTrip, results: variant.results });
      try {
        const producer = await startProducer({ module: variant.producerModule, databaseUrl: db.url, queue: ctx.target.queue, execPath: node.execPath, env: variant.env });
        out.rows.at(-1)!.producerNode = producer.node;
        // Workers run the same binary as the producers.
        out.rows.at(-1)!.workerNode = node.version;
        lanes.push({ variant, env, producer });
      } catch (error) {
        fail(variant.name, 'setup', error);
      }
    }
    await enqueue(ctx, sizes, lanes, out, fail);
    for (const concurrency of sizes.concurrency) await processLevel(ctx, sizes, lanes, concurrency, node.execPath, out, fail);
    await roundTrips(ctx, sizes, lanes, node.execPath, out, fail);
  } catch (error) {
    // Each scenario records its own failures; this is what happens outside them (e.g. no usable Node).
    fail('pg', 'setup', error);
  } finally {
    await Promise.all(lanes.map((l) => l.producer.close().catch(() => undefined)));
    try {
      await db[Symbol.asyncDispose]();
    } catch (error) {
      fail('pg', `dropping ${db.name}`, error);
    }
  }
  return out;
}

type Fail = (row: string, scenario: string, error: unknown) => void;

async function enqueue(ctx: ScenarioContext, sizes: PgSizes, lanes: Lane[], out: PgResults, fail: Fail): Promise<void> {
  const one = new Map<string, number[]>();
  const bulk = new Map<string, number[]>();
  const timeout = ctx.config.runTimeoutMs;
  const failed = new Set<string>();
  for (let rep = 0; rep < sizes.reps; rep++) {
    for (const lane of lanes.filter((l) => l.variant.enqueue && !failed.has(l.variant.name))) {
      const name = lane.variant.name;
      try {
        await lane.producer.call({ op: 'clear' }, timeout);
        const single = await lane.producer.call({ op: 'enqueueOne', count: sizes.enqueueOne }, timeout);
        await lane.producer.call({ op: 'clear' }, timeout);
        const batched = await lane.producer.call({ op: 'enqueueBulk', count: sizes.enqueueBulk, batchSize: sizes.bulkBatch }, timeout);
        const { pending } = await lane.producer.call({ op: 'count' }, timeout);
        if (pending !== sizes.enqueueBulk) throw new Error(`${pending} of ${sizes.enqueueBulk} bulk jobs queued`);
        await lane.producer.call({ op: 'clear' }, timeout);
        one.set(name, [...(one.get(name) ?? []), perSecond(sizes.enqueueOne, single.ms)]);
        bulk.set(name, [...(bulk.get(name) ?? []), perSecond(sizes.enqueueBulk, batched.ms)]);
        ctx.log(`  pg enqueue ${name} rep ${rep + 1}: one ${one.get(name)!.at(-1)!.toFixed(0)}/s, bulk ${bulk.get(name)!.at(-1)!.toFixed(0)}/s`);
      } catch (error) {
        failed.add(name);
        fail(name, 'enqueue', error);
      }
    }
  }
  for (const [name, reps] of one) if (!failed.has(name)) out.enqueue[name] = { one: summarize(reps), bulk: summarize(bulk.get(name) ?? []) };
}

async function processLevel(ctx: ScenarioContext, sizes: PgSizes, lanes: Lane[], concurrency: number, execPath: string, out: PgResults, fail: Fail): Promise<void> {
  const scenario = `process c=${concurrency}`;
  const timeout = ctx.config.runTimeoutMs;
  const n = sizes.processJobs;
  const series = new Map<Lane, { worker: WorkerProcess; rates: number[]; cpu: number[]; pgCpu: number[] }>();
  try {
    for (const lane of lanes) {
      try {
        const worker = await startWorkerProcess(lane.variant.workerModule, ctx.workerExecArgv, { execPath, env: lane.env });
        series.set(lane, { worker, rates: [], cpu: [], pgCpu: [] });
      } catch (error) {
        fail(lane.variant.name, scenario, error);
      }
    }
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const [lane, s] of series) {
        try {
          await lane.producer.call({ op: 'clear' }, timeout);
          await lane.producer.call({ op: 'enqueueBulk', count: n, batchSize: sizes.bulkBatch }, timeout);
          // The URL travels in the child's environment; the harness's Redis URL is not used.
          let before: number | null = null;
          const run = await s.worker.run({ redisUrl: '', queue: ctx.target.queue, concurrency, expect: n, timeout, beforeGo: async () => void (before = await readPostgresCpuSeconds()) });
          const after = await readPostgresCpuSeconds();
          const { stored, pending } = await lane.producer.call({ op: 'count' }, timeout);
          if (pending > 0) throw new Error(`${pending} of ${n} jobs left unfinished`);
          if (lane.variant.peer === 'pg-boss' && stored < n) throw new Error(`only ${stored} of ${n} outputs stored`);
          s.rates.push(perSecond(n, run.ms));
          s.cpu.push(run.cpuUs / n);
          if (before !== null && after !== null) s.pgCpu.push(((after - before) * 1e6) / n);
          ctx.log(`  pg process ${lane.variant.name} c=${concurrency} rep ${rep + 1}: ${s.rates.at(-1)!.toFixed(0)} jobs/s, worker ${s.cpu.at(-1)!.toFixed(1)} µs/job, PostgreSQL ${s.pgCpu.at(-1)?.toFixed(1) ?? '—'} µs/job`);
        } catch (error) {
          fail(lane.variant.name, scenario, error);
          await s.worker.close().catch(() => undefined);
          series.delete(lane);
        }
      }
    }
    for (const [lane, s] of series) {
      out.process[lane.variant.name] = { ...out.process[lane.variant.name], [String(concurrency)]: { throughput: summarize(s.rates), peakRssBytes: await s.worker.peakRss(), workerCpuUs: summarize(s.cpu), ...(s.pgCpu.length > 0 ? { postgresCpuUs: summarize(s.pgCpu) } : {}) } };
    }
  } finally {
    await Promise.all([...series.values()].map((s) => s.worker.close().catch(() => undefined)));
  }
}

async function roundTrips(ctx: ScenarioContext, sizes: PgSizes, lanes: Lane[], execPath: string, out: PgResults, fail: Fail): Promise<void> {
  const plan = { count: sizes.roundTrips, minMs: sizes.roundTripMinMs, maxMs: sizes.roundTripMaxMs };
  const timeout = sizes.roundTripMaxMs + 60_000;
  const live: Array<{ lane: Lane; worker: WorkerProcess; p50: number[]; p99: number[]; samples: number[] }> = [];
  try {
    for (const lane of lanes) {
      let worker: WorkerProcess | null = null;
      try {
        await lane.producer.call({ op: 'clear' }, timeout);
        worker = await startWorkerProcess(lane.variant.workerModule, ctx.workerExecArgv, { execPath, env: lane.env });
        await worker.serve({ redisUrl: '', queue: ctx.target.queue, concurrency: sizes.roundTripConcurrency });
        await lane.producer.call({ op: 'roundTrips', plan: { count: sizes.roundTripWarmup, minMs: 0, maxMs: sizes.roundTripMaxMs / 10 } }, timeout);
        live.push({ lane, worker, p50: [], p99: [], samples: [] });
      } catch (error) {
        await worker?.close().catch(() => undefined);
        fail(lane.variant.name, 'round-trip', error);
      }
    }
    const failed = new Set<string>();
    for (let rep = 0; rep < sizes.reps; rep++) {
      // Rotated each rep, so no variant is always measured right after the same other one.
      const order = live.map((_, k) => live[(k + rep) % live.length]!);
      for (const c of order.filter((c) => !failed.has(c.lane.variant.name))) {
        try {
          const { latencies } = await c.lane.producer.call({ op: 'roundTrips', plan }, timeout);
          c.p50.push(percentile(latencies, 50));
          c.p99.push(percentile(latencies, 99));
          c.samples.push(latencies.length);
          ctx.log(`  pg round trip ${c.lane.variant.name} rep ${rep + 1}: p50 ${c.p50.at(-1)!.toFixed(3)} ms, p99 ${c.p99.at(-1)!.toFixed(3)} ms (${latencies.length})`);
        } catch (error) {
          failed.add(c.lane.variant.name);
          fail(c.lane.variant.name, 'round-trip', error);
        }
      }
    }
    for (const c of live) {
      if (!failed.has(c.lane.variant.name) && c.p50.length > 0) out.roundTrip[c.lane.variant.name] = { p50: summarize(c.p50), p99: summarize(c.p99), samples: c.samples };
    }
  } finally {
    for (const c of live) {
      await c.worker.stopServing().catch(() => undefined);
      await c.worker.close().catch(() => undefined);
    }
  }
}
