/**
 * Python Celery 5.2 as a peer: its worker (`bench/python/plain_app.py`, the system's python3) on the
 * bench's Redis with the Redis result backend, running the same `tasks.add`, at the pools the issue
 * names — prefork with 2 processes, threads with 10 and with 100 — each beside Celerity's worker (its
 * own process, async pool) at the same concurrency. Both get the same messages from Celerity's client.
 *
 * Processing: tasks pre-enqueued, then the clock runs from the go to the last stored result (Python:
 * see `release.ts`; Celerity: the worker harness, as in the processing scenario), the stored results
 * counted after each run. Each worker first makes one untimed run of a fifth as many tasks; timed
 * repetitions alternate between the two. Round trip: one `add` at a time, Celerity's client waiting
 * for each result, repetitions alternating too.
 */
import { performance } from 'node:perf_hooks';
import type { BenchConfig } from '../config.js';
import { flush } from '../redis-stats.js';
import { percentile, perSecond, summarize } from '../stats.js';
import { countKeys } from '../system.js';
import { celeritySystem } from '../systems/celerity.js';
import { fill } from '../scenarios/process.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { withTimeout } from '../scenarios/context.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import { treeUsage } from './proc-tree.js';
import { pythonCeleryVersion, startPythonWorker } from './python-worker.js';
import type { PythonPool, PythonWorker } from './python-worker.js';
import type { PythonPeerResults, PythonPeerRow, PythonPeerSizes } from './results.js';
import { fillStaging, releaseAndTime } from './release.js';

/** The Python worker's pools and concurrencies, in the issue's order. */
export const PYTHON_LEVELS: ReadonlyArray<{ pool: PythonPool; concurrency: number }> = [
  { pool: 'prefork', concurrency: 2 },
  { pool: 'threads', concurrency: 10 },
  { pool: 'threads', concurrency: 100 },
];

/** Sizes from the bench's mode. */
export function pythonPeerSizes(config: BenchConfig): PythonPeerSizes {
  return config.mode === 'quick'
    ? { reps: 2, pythonJobs: 1000, celerityJobs: config.processJobs, roundTrips: 200, roundTripMinMs: 500, roundTripMaxMs: 3000, roundTripWarmup: 100 }
    : { reps: 3, pythonJobs: 5000, celerityJobs: config.processJobs, roundTrips: 1000, roundTripMinMs: 2000, roundTripMaxMs: 15_000, roundTripWarmup: 500 };
}

/** One worker of a level and what it measured so far. */
interface Side {
  row: PythonPeerRow;
  queue: string;
  rates: number[];
  cpuUs: number[];
  p50: number[];
  p99: number[];
  samples: number[];
  /** One timed run of `jobs` pre-enqueued tasks (the keyspace flushed first). */
  timedRun(jobs: number): Promise<{ ms: number; cpuUs: number | undefined }>;
  /** Makes the worker consume `queue` for round trips (the Python worker always does). */
  serve(): Promise<void>;
  peakRss(): Promise<number | undefined>;
  close(): Promise<void>;
}

async function checkStored(ctx: ScenarioContext, jobs: number): Promise<void> {
  const stored = await countKeys(ctx.redis, 'celery-task-meta-*');
  if (stored < jobs) throw new Error(`only ${stored} of ${jobs} results stored`);
}

function pythonSide(ctx: ScenarioContext, worker: PythonWorker, queue: string, pool: PythonPool, concurrency: number, jobs: number): Side {
  return {
    row: { worker: 'python-celery', pool, concurrency, jobs },
    queue,
    rates: [], cpuUs: [], p50: [], p99: [], samples: [],
    async timedRun(n) {
      await flush(ctx.redis);
      await fillStaging(ctx.target.redisUrl, queue, 'tasks.add', n);
      const before = await treeUsage(worker.pid);
      const ms = await releaseAndTime(ctx.redis, ctx.target.redisUrl, queue, n, ctx.config.runTimeoutMs);
      const after = await treeUsage(worker.pid);
      await checkStored(ctx, n);
      return { ms, cpuUs: before && after ? (after.cpuSeconds - before.cpuSeconds) * 1e6 : undefined };
    },
    serve: async () => undefined,
    peakRss: async () => (await treeUsage(worker.pid))?.peakRssBytes,
    close: () => worker.stop(),
  };
}

function celeritySide(ctx: ScenarioContext, worker: WorkerProcess, concurrency: number, jobs: number): Side {
  const queue = ctx.target.queue;
  return {
    row: { worker: 'celerity', pool: 'async', concurrency, jobs },
    queue,
    rates: [], cpuUs: [], p50: [], p99: [], samples: [],
    async timedRun(n) {
      await flush(ctx.redis);
      await fill(ctx, celeritySystem, n);
      const run = await worker.run({ redisUrl: ctx.target.redisUrl, queue, concurrency, expect: n, timeout: ctx.config.runTimeoutMs });
      await checkStored(ctx, n);
      return { ms: run.ms, cpuUs: run.cpuUs };
    },
    serve: () => worker.serve({ redisUrl: ctx.target.redisUrl, queue, concurrency }),
    peakRss: () => worker.peakRss(),
    async close() {
      await worker.stopServing().catch(() => undefined);
      await worker.close();
    },
  };
}

/** Round trips on `side`'s queue through Celerity's client: warm-up, then `reps` alternating repetitions. */
async function roundTrips(ctx: ScenarioContext, sides: Side[], sizes: PythonPeerSizes): Promise<void> {
  const producers = await Promise.all(sides.map((side) => celeritySystem.openProducer({ redisUrl: ctx.target.redisUrl, queue: side.queue })));
  const once = async (k: number, i: number): Promise<void> => {
    const value = await withTimeout(producers[k]!.roundTrip(i, 1), 30_000, 'round trip');
    if (value !== i + 1) throw new Error(`add(${i}, 1) returned ${String(value)}`);
  };
  try {
    for (let k = 0; k < sides.length; k++) for (let i = 0; i < sizes.roundTripWarmup; i++) await once(k, i);
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (let j = 0; j < sides.length; j++) {
        const k = (j + rep) % sides.length;
        const side = sides[k]!;
        const latencies: number[] = [];
        const started = performance.now();
        for (let i = 0; (i < sizes.roundTrips || performance.now() - started < sizes.roundTripMinMs) && performance.now() - started < sizes.roundTripMaxMs; i++) {
          const sent = performance.now();
          await once(k, i);
          latencies.push(performance.now() - sent);
        }
        side.p50.push(percentile(latencies, 50));
        side.p99.push(percentile(latencies, 99));
        side.samples.push(latencies.length);
        ctx.log(`  python round trip ${side.row.worker} ${side.row.pool} c=${side.row.concurrency} rep ${rep + 1}: p50 ${side.p50.at(-1)!.toFixed(3)} ms, p99 ${side.p99.at(-1)!.toFixed(3)} ms (${latencies.length})`);
      }
    }
  } finally {
    await Promise.all(producers.map((p) => p.close()));
  }
}

/** One pool and concurrency: the Python worker and Celerity's, processing then round trips. */
async function level(ctx: ScenarioContext, sizes: PythonPeerSizes, pool: PythonPool, concurrency: number, out: PythonPeerResults): Promise<void> {
  const label = `${pool} c=${concurrency}`;
  const sides: Side[] = [];
  try {
    await flush(ctx.redis);
    const pyQueue = `${ctx.target.queue}-py`;
    const python = await startPythonWorker({ app: 'plain_app', redisUrl: ctx.target.redisUrl, queue: pyQueue, pool, concurrency });
    sides.push(pythonSide(ctx, python, pyQueue, pool, concurrency, sizes.pythonJobs));
    sides.push(celeritySide(ctx, await startWorkerProcess(celeritySystem.workerModule, ctx.workerExecArgv), concurrency, sizes.celerityJobs));
    // Untimed first runs: a cold worker measures its JIT / imports more than its queue work.
    for (const side of sides) await side.timedRun(Math.max(200, Math.round(side.row.jobs / 5)));
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
        const { ms, cpuUs } = await side.timedRun(side.row.jobs);
        side.rates.push(perSecond(side.row.jobs, ms));
        if (cpuUs !== undefined) side.cpuUs.push(cpuUs / side.row.jobs);
        ctx.log(`  python ${side.row.worker} ${side.row.pool} c=${concurrency} rep ${rep + 1}: ${side.rates.at(-1)!.toFixed(0)} tasks/s${cpuUs === undefined ? '' : `, CPU ${(cpuUs / side.row.jobs).toFixed(0)} µs/task`}`);
      }
    }
    await flush(ctx.redis);
    for (const side of sides) await side.serve();
    await roundTrips(ctx, sides, sizes);
    for (const side of sides) {
      const { row } = side;
      row.throughput = summarize(side.rates);
      if (side.cpuUs.length > 0) row.cpuUsPerTask = summarize(side.cpuUs);
      const rss = await side.peakRss();
      if (rss !== undefined) row.peakRssBytes = rss;
      row.roundTrip = { p50: summarize(side.p50), p99: summarize(side.p99), samples: side.samples };
      out.rows.push(row);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    out.errors.push({ row: label, message });
    ctx.log(`  python ${label}: FAILED ${message.split('\n')[0]}`);
  } finally {
    for (const side of sides) {
      await side.close().catch((error: unknown) => {
        out.errors.push({ row: `${label} ${side.row.worker} shutdown`, message: error instanceof Error ? error.message : String(error) });
      });
    }
  }
}

/** Runs the Python rows (left out, with the reason, when the system's Python cannot import Celery). */
export async function runPythonPeer(ctx: ScenarioContext): Promise<PythonPeerResults> {
  const sizes = pythonPeerSizes(ctx.config);
  const out: PythonPeerResults = { sizes, python: await pythonCeleryVersion(), rows: [], errors: [] };
  if (!('celery' in out.python)) {
    ctx.log(`  python: ${out.python.unavailable}`);
    return out;
  }
  for (const { pool, concurrency } of PYTHON_LEVELS) await level(ctx, sizes, pool, concurrency, out);
  return out;
}
