/**
 * Canvas cost: a chord of `chord` `add(i, i)` header tasks with a body that checks it got every
 * result in order, and a chain of `chain` `add` steps, each timed from the first send to the final
 * result, against as many plain `add` tasks sent at once; on a Celerity worker (child process,
 * async pool) and on a Python Celery worker (prefork) in the same run. Celerity's client sends
 * every canvas, so both workers get the same messages.
 */
import { performance } from 'node:perf_hooks';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { SignatureData } from '@celerity/core';
import { chain, chord, signature } from '@celerity/core';
import type { AsyncResult, Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { BenchConfig } from '../config.js';
import { flush } from '../redis-stats.js';
import { summarize } from '../stats.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { withTimeout } from '../scenarios/context.js';
import { startWorkerProcess } from '../worker-process.js';
import type { CanvasResults, CanvasRow, CanvasSizes, CanvasWorker } from './results.js';
import { pythonCeleryVersion, startPythonCanvasWorker } from './python-worker.js';

/** Sizes from the bench's mode (the figures in the full run). */
export function canvasSizes(config: BenchConfig): CanvasSizes {
  return config.mode === 'quick'
    ? { reps: 1, chord: 1000, chain: 100, celerityConcurrency: 10, pythonConcurrency: 2 }
    : { reps: 2, chord: 10_000, chain: 1000, celerityConcurrency: 10, pythonConcurrency: 2 };
}

const add = (...args: number[]): SignatureData => signature('tasks.add', args);

async function timed<T>(body: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await body();
  return { ms: performance.now() - start, value };
}

/** Sends `n` plain tasks at once and waits for all their results. */
async function plain(client: Client, n: number): Promise<number> {
  const { ms } = await timed(async () => {
    const items = Array.from({ length: n }, (_, i) => ({ task: 'tasks.add', args: [i, i] }));
    const results = await client.sendMany(items);
    await Promise.all(results.map((r) => r.get()));
  });
  return ms;
}

async function runChord(client: Client, n: number): Promise<number> {
  const { ms, value } = await timed(async () => {
    const body = (await client.apply(chord(Array.from({ length: n }, (_, i) => add(i, i)), signature('tasks.check_chord')))) as AsyncResult;
    return body.get();
  });
  const check = value as { count?: unknown; ordered?: unknown };
  if (check.count !== n || check.ordered !== true) throw new Error(`chord body got ${JSON.stringify(value)}, expected ${n} results in order`);
  return ms;
}

async function runChain(client: Client, n: number): Promise<number> {
  const steps = [add(0, 0), ...Array.from({ length: n - 1 }, () => add(1))];
  const { ms, value } = await timed(async () => ((await client.apply(chain(...steps))) as AsyncResult).get());
  if (value !== n - 1) throw new Error(`chain ended with ${JSON.stringify(value)}, expected ${n - 1}`);
  return ms;
}

/** Runs the rows of one worker (already serving `queue`). */
async function measure(ctx: ScenarioContext, worker: CanvasWorker, queue: string, sizes: CanvasSizes, out: CanvasResults): Promise<CanvasRow> {
  const broker = createRedisBroker({ url: ctx.target.redisUrl });
  const backend = createRedisBackend({ url: ctx.target.redisUrl });
  const client = createClient({ broker, backend, defaultQueue: queue });
  const samples: Record<'chord' | 'chordPlain' | 'chain' | 'chainPlain', number[]> = { chord: [], chordPlain: [], chain: [], chainPlain: [] };
  const runs: Array<[keyof typeof samples, () => Promise<number>]> = [
    ['chordPlain', () => plain(client, sizes.chord)],
    ['chord', () => runChord(client, sizes.chord)],
    ['chainPlain', () => plain(client, sizes.chain)],
    ['chain', () => runChain(client, sizes.chain)],
  ];
  try {
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const [row, run] of runs) {
        try {
          samples[row].push(await withTimeout(run(), ctx.config.runTimeoutMs, `${worker} ${row}`));
          ctx.log(`  canvas ${worker} ${row} rep ${rep + 1}: ${(samples[row].at(-1)! / 1000).toFixed(2)} s`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          out.errors.push({ row: `${worker} ${row} rep ${rep + 1}`, message });
          ctx.log(`  canvas ${worker} ${row}: FAILED ${message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    await client.close();
    await broker.close();
    await backend.close();
  }
  const row: CanvasRow = { worker };
  for (const key of Object.keys(samples) as Array<keyof typeof samples>) if (samples[key].length > 0) row[key] = summarize(samples[key]);
  return row;
}

/** Runs the canvas rows: Celerity's worker, then Python Celery's (when it can be imported). */
export async function runCanvas(ctx: ScenarioContext): Promise<CanvasResults> {
  const sizes = canvasSizes(ctx.config);
  const out: CanvasResults = { sizes, python: await pythonCeleryVersion(), rows: [], errors: [] };
  const queue = `${ctx.target.queue}-canvas`;
  // Flushed before each worker starts, not between runs: a flush also deletes kombu's exchange
  // bindings (`_kombu.binding.*`), which a running Python worker declared once and would not
  // declare again, so what it sends (a chord's body, a chain's next step) would be routed nowhere.
  await flush(ctx.redis);
  const celerity = await startWorkerProcess('celerity-canvas.ts', ctx.workerExecArgv);
  try {
    await celerity.serve({ redisUrl: ctx.target.redisUrl, queue, concurrency: sizes.celerityConcurrency });
    out.rows.push(await measure(ctx, 'celerity', queue, sizes, out));
    await celerity.stopServing();
  } catch (error) {
    out.errors.push({ row: 'celerity', message: error instanceof Error ? error.message : String(error) });
  } finally {
    await celerity.close();
  }
  if ('celery' in out.python) {
    try {
      await flush(ctx.redis);
      const python = await startPythonCanvasWorker(ctx.target.redisUrl, queue, sizes.pythonConcurrency);
      try {
        out.rows.push(await measure(ctx, 'python-celery', queue, sizes, out));
      } finally {
        await python.stop();
      }
    } catch (error) {
      out.errors.push({ row: 'python-celery', message: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
