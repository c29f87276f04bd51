/**
 * Latency under a steady load: for each system, its maximum is measured first, twice: the worker
 * alone (a timed run of pre-enqueued tasks, after an untimed one), then with the producer in the loop
 * (the same sends and waits as the levels, as fast as they go). The producer shares the machine's two
 * cores with the worker and Redis, so only the second is a rate the levels can be offered at: a paced
 * producer offers tasks at 25%, 50% and 90% of it for a fixed time, one send at a time on the schedule
 * of `pacer.ts`. Every task
 * returns the worker's start stamp; the producer stamps its send call and the moment it holds the
 * result, all on CLOCK_MONOTONIC (`clock.ts`), so each task gives an enqueue-to-start and an
 * enqueue-to-result latency. Before the levels, one second of load at the lowest share warms up the
 * producer's path (the maximum-rate run warmed up the worker's); it is not recorded.
 */
import type { BenchConfig } from '../config.js';
import { flush } from '../redis-stats.js';
import { percentile } from '../stats.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { withTimeout } from '../scenarios/context.js';
import { pythonCeleryVersion } from '../python-peer/python-worker.js';
import { monotonicMs, realPacerClock } from './clock.js';
import { levelFigures } from './measure.js';
import type { TaskStamps } from './measure.js';
import { runPaced } from './pacer.js';
import type { LatencyPeer, OpenLatencyPeer } from './peers.js';
import { openBullmqPeer, openCelerityPeer, openPythonPeer } from './peers.js';
import type { LatencyLevel, LatencyResults, LatencyRow, LatencySizes } from './results.js';

/** Sizes from the bench's mode. */
export function latencySizes(config: BenchConfig): LatencySizes {
  return config.mode === 'quick'
    ? { durationMs: 3000, shares: [0.25, 0.5, 0.9], concurrency: 10, maxJobs: 5000, pythonMaxJobs: 1000, loopWindow: 100 }
    : { durationMs: 10_000, shares: [0.25, 0.5, 0.9], concurrency: 10, maxJobs: 20_000, pythonMaxJobs: 3000, loopWindow: 100 };
}

/** What one paced run gave: the stamps of the tasks whose result came, and what failed. */
interface Offered {
  stamps: TaskStamps[];
  sends: { firstAt: number; lastAt: number; sent: number; lateMs: number[] };
  failed: number;
  firstError?: string;
}

/**
 * Offers `count` tasks at `rate` and collects every task's stamps. A failed send or wait is counted,
 * not thrown: past its capacity a system times out or drops some waits, and the level says how many.
 * Results still missing after the run timeout are counted by the caller (sent − completed − failed).
 */
async function offer(ctx: ScenarioContext, peer: LatencyPeer, rate: number, count: number): Promise<Offered> {
  const out: Offered = { stamps: [], sends: { firstAt: 0, lastAt: 0, sent: 0, lateMs: [] }, failed: 0 };
  const pending: Array<Promise<void>> = [];
  out.sends = await runPaced({
    ratePerS: rate,
    count,
    clock: realPacerClock,
    send(i) {
      const sentAt = monotonicMs();
      pending.push(
        peer.send(i).then(
          (startedAt) => void out.stamps.push({ sentAt, startedAt, resultAt: monotonicMs() }),
          (error: unknown) => {
            out.failed++;
            out.firstError ??= error instanceof Error ? error.message : String(error);
          },
        ),
      );
    },
  });
  await withTimeout(Promise.all(pending), ctx.config.runTimeoutMs, 'results').catch(() => undefined);
  // Copies: a result that still comes later must not change the figures of this level.
  return { ...out, stamps: [...out.stamps] };
}

/**
 * Tasks/s of `count` sends and waits with at most `window` in flight: the rate the whole loop (producer,
 * Redis, worker) sustains. A failed send counts as done, and the caller sees it in the levels.
 */
export async function loopMaxRate(send: (x: number) => Promise<unknown>, count: number, window: number, clock: () => number = monotonicMs): Promise<number> {
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const x = next++;
      await send(x).catch(() => void failed++);
    }
  };
  const start = clock();
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  if (failed === count) throw new Error(`every one of ${count} sends failed`);
  return (count * 1000) / Math.max(clock() - start, 1e-3);
}

async function level(ctx: ScenarioContext, peer: LatencyPeer, share: number, maxRate: number, durationMs: number): Promise<LatencyLevel> {
  const targetRate = share * maxRate;
  const count = Math.max(2, Math.round((targetRate * durationMs) / 1000));
  const { stamps, sends, failed, firstError } = await offer(ctx, peer, targetRate, count);
  await flush(ctx.redis);
  const figures = levelFigures(sends, stamps);
  return { share, targetRate, ...figures, sent: sends.sent, completed: stamps.length, failed, ...(firstError === undefined ? {} : { firstError }), producerLateP99: percentile(sends.lateMs, 99) };
}

/** Measures one system; its row joins `out` once its maximum is known, so levels measured before a failure are kept. */
async function measurePeer(ctx: ScenarioContext, sizes: LatencySizes, open: OpenLatencyPeer, maxJobs: number, out: LatencyResults): Promise<void> {
  const peer = await open(ctx, sizes.concurrency);
  try {
    const workerMaxRate = await peer.measureMax(maxJobs);
    // Warms up the producer's path too; then the timed loop.
    await loopMaxRate((x) => peer.send(x), Math.ceil(maxJobs / 4), sizes.loopWindow);
    await flush(ctx.redis);
    const maxRate = await loopMaxRate((x) => peer.send(x), maxJobs, sizes.loopWindow);
    await flush(ctx.redis);
    ctx.log(`  latency ${peer.system}: maximum ${workerMaxRate.toFixed(0)} tasks/s worker alone, ${maxRate.toFixed(0)} with the producer in the loop`);
    const lowest = Math.min(...sizes.shares) * maxRate;
    await offer(ctx, peer, lowest, Math.max(2, Math.round(lowest)));
    await flush(ctx.redis);
    const row: LatencyRow = { system: peer.system, worker: peer.worker, maxRate, workerMaxRate, levels: [] };
    out.rows.push(row);
    for (const share of sizes.shares) {
      const l = await level(ctx, peer, share, maxRate, sizes.durationMs);
      row.levels.push(l);
      ctx.log(
        `  latency ${peer.system} ${Math.round(share * 100)}%: ${l.completed} of ${l.sent} results${l.failed > 0 ? ` (${l.failed} failed: ${l.firstError?.split('\n')[0]})` : ''}; offered ${l.offeredRate.toFixed(0)}/s (asked ${l.targetRate.toFixed(0)}), achieved ${l.achievedRate.toFixed(0)}/s; ` +
          `to start p50 ${l.toStart.p50.toFixed(2)} p99 ${l.toStart.p99.toFixed(2)} p99.9 ${l.toStart.p999.toFixed(2)} ms; to result p50 ${l.toResult.p50.toFixed(2)} p99 ${l.toResult.p99.toFixed(2)} p99.9 ${l.toResult.p999.toFixed(2)} ms`,
      );
    }
  } finally {
    await peer.close().catch((error: unknown) => {
      out.errors.push({ row: `${peer.system} shutdown`, message: error instanceof Error ? error.message : String(error) });
    });
  }
}

/** Runs the latency rows: Celerity, BullMQ, and Python Celery when it can be imported. */
export async function runLatency(ctx: ScenarioContext): Promise<LatencyResults> {
  const sizes = latencySizes(ctx.config);
  const out: LatencyResults = { sizes, rows: [], errors: [] };
  const python = await pythonCeleryVersion();
  const peers: Array<[string, OpenLatencyPeer, number]> = [
    ['celerity', openCelerityPeer, sizes.maxJobs],
    ['bullmq', openBullmqPeer, sizes.maxJobs],
  ];
  if ('celery' in python) peers.push(['python-celery', openPythonPeer, sizes.pythonMaxJobs]);
  else out.errors.push({ row: 'python-celery', message: python.unavailable });
  for (const [name, open, maxJobs] of peers) {
    try {
      await flush(ctx.redis);
      await measurePeer(ctx, sizes, open, maxJobs, out);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      out.errors.push({ row: name, message });
      ctx.log(`  latency ${name}: FAILED ${message.split('\n')[0]}`);
    }
  }
  return out;
}
