/**
 * The systems of the latency rows, each a worker in its own process plus a producer in the bench
 * process that sends one stamped `add` and resolves with the worker's start stamp once it holds the
 * result: Celerity (its client and worker), BullMQ (`Queue.add` + `waitUntilFinished`, a `Worker`) and
 * Python Celery's worker (threads pool) fed by Celerity's client.
 */
import { QueueEvents, Queue } from 'bullmq';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { flush } from '../redis-stats.js';
import { perSecond } from '../stats.js';
import { countKeys } from '../system.js';
import { bullmqSystem, redisOptions } from '../systems/bullmq.js';
import { fill } from '../scenarios/process.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import { startPythonWorker } from '../python-peer/python-worker.js';
import { fillStaging, releaseAndTime } from '../python-peer/release.js';
import type { addStamped } from '../workers/latency-tasks.js';

/** A system ready for the load levels. */
export interface LatencyPeer {
  /** Row name, e.g. `celerity`. */
  readonly system: string;
  /** What runs, e.g. `async pool, concurrency 10`. */
  readonly worker: string;
  /** Tasks/s of a timed run of `jobs` pre-enqueued tasks (after an untimed one of half as many); the worker then serves. */
  measureMax(jobs: number): Promise<number>;
  /** Sends `add_stamped(x, x)`; resolves with the worker's start stamp once the producer holds the result. */
  send(x: number): Promise<number>;
  close(): Promise<void>;
}

/** A peer's factory: starts its worker on a queue of its own. */
export type OpenLatencyPeer = (ctx: ScenarioContext, concurrency: number) => Promise<LatencyPeer>;

function checked(x: number, value: unknown): number {
  if (!Array.isArray(value) || value[0] !== 2 * x || typeof value[1] !== 'number') throw new Error(`add_stamped(${x}, ${x}) returned ${JSON.stringify(value)}`);
  return value[1] as number;
}

function requireStored(stored: number, jobs: number): void {
  if (stored < jobs) throw new Error(`only ${stored} of ${jobs} results stored`);
}

/** Celerity's client on `queue`, and a bulk fill of stamped tasks. */
function celerityClient(redisUrl: string, queue: string): { client: Client; fill(jobs: number): Promise<void>; close(): Promise<void> } {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  const client = createClient({ broker, backend, defaultQueue: queue });
  return {
    client,
    async fill(jobs) {
      for (let start = 0; start < jobs; start += 1000) {
        const items = [];
        for (let i = start; i < Math.min(jobs, start + 1000); i++) items.push({ task: 'tasks.add_stamped', args: [i, i] });
        await client.sendMany(items);
      }
    },
    async close() {
      await client.close();
      await broker.close();
      await backend.close();
    },
  };
}

/** Celerity: `latency-celerity.ts` worker (async pool), `task.delay` + `result.get()`. */
export const openCelerityPeer: OpenLatencyPeer = async (ctx, concurrency) => {
  const queue = `${ctx.target.queue}-lat-celerity`;
  const worker: WorkerProcess = await startWorkerProcess('latency-celerity.ts', ctx.workerExecArgv);
  const { client, fill: fillStamped, close: closeClient } = celerityClient(ctx.target.redisUrl, queue);
  const task = client.task<typeof addStamped>('tasks.add_stamped');
  const timed = async (jobs: number): Promise<number> => {
    await flush(ctx.redis);
    await fillStamped(jobs);
    const run = await worker.run({ redisUrl: ctx.target.redisUrl, queue, concurrency, expect: jobs, timeout: ctx.config.runTimeoutMs });
    requireStored(await countKeys(ctx.redis, 'celery-task-meta-*'), jobs);
    return perSecond(jobs, run.ms);
  };
  return {
    system: 'celerity',
    worker: `async pool, concurrency ${concurrency}`,
    async measureMax(jobs) {
      await timed(Math.ceil(jobs / 2));
      const rate = await timed(jobs);
      await flush(ctx.redis);
      await worker.serve({ redisUrl: ctx.target.redisUrl, queue, concurrency });
      return rate;
    },
    async send(x) {
      return checked(x, await (await task.delay(x, x)).get({ timeout: 120 }));
    },
    async close() {
      await closeClient();
      await worker.stopServing().catch(() => undefined);
      await worker.close();
    },
  };
};

/** BullMQ: `latency-bullmq.ts` worker, `Queue.add` + `job.waitUntilFinished(queueEvents)`. */
export const openBullmqPeer: OpenLatencyPeer = async (ctx, concurrency) => {
  const target = { ...ctx.target, queue: `${ctx.target.queue}-lat-bullmq` };
  const worker: WorkerProcess = await startWorkerProcess('latency-bullmq.ts', ctx.workerExecArgv);
  let queue: Queue<{ x: number; y: number }, [number, number]> | null = null;
  let events: QueueEvents | null = null;
  const timed = async (jobs: number): Promise<number> => {
    await flush(ctx.redis);
    // The processing scenario's fill: `add` jobs with `{ x, y }`, which this worker answers stamped.
    await fill({ ...ctx, target }, bullmqSystem, jobs);
    const run = await worker.run({ redisUrl: target.redisUrl, queue: target.queue, concurrency, expect: jobs, timeout: ctx.config.runTimeoutMs });
    requireStored(await bullmqSystem.countResults(ctx.redis, target), jobs);
    return perSecond(jobs, run.ms);
  };
  return {
    system: 'bullmq',
    worker: `Worker, concurrency ${concurrency}`,
    async measureMax(jobs) {
      await timed(Math.ceil(jobs / 2));
      const rate = await timed(jobs);
      await flush(ctx.redis);
      await worker.serve({ redisUrl: target.redisUrl, queue: target.queue, concurrency });
      const connection = redisOptions(target.redisUrl);
      queue = new Queue(target.queue, { connection });
      events = new QueueEvents(target.queue, { connection });
      // Every job awaited at once adds listeners (`waitUntilFinished`): thousands in flight are the point here, not a leak.
      queue.setMaxListeners(0);
      events.setMaxListeners(0);
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      return rate;
    },
    async send(x) {
      if (!queue || !events) throw new Error('send before measureMax');
      const job = await queue.add('add', { x, y: x });
      return checked(x, await job.waitUntilFinished(events, 120_000));
    },
    async close() {
      await events?.close();
      await queue?.close();
      await worker.stopServing().catch(() => undefined);
      await worker.close();
    },
  };
};

/** Python Celery: `plain_app.py` worker (threads pool) fed by Celerity's client. */
export const openPythonPeer: OpenLatencyPeer = async (ctx, concurrency) => {
  const queue = `${ctx.target.queue}-lat-py`;
  const worker = await startPythonWorker({ app: 'plain_app', redisUrl: ctx.target.redisUrl, queue, pool: 'threads', concurrency });
  const { client, close: closeClient } = celerityClient(ctx.target.redisUrl, queue);
  const task = client.task<typeof addStamped>('tasks.add_stamped');
  const timed = async (jobs: number): Promise<number> => {
    await flush(ctx.redis);
    await fillStaging(ctx.target.redisUrl, queue, 'tasks.add_stamped', jobs);
    const ms = await releaseAndTime(ctx.redis, ctx.target.redisUrl, queue, jobs, ctx.config.runTimeoutMs);
    requireStored(await countKeys(ctx.redis, 'celery-task-meta-*'), jobs);
    return perSecond(jobs, ms);
  };
  return {
    system: 'python-celery',
    worker: `threads pool, concurrency ${concurrency}`,
    async measureMax(jobs) {
      await timed(Math.ceil(jobs / 2));
      const rate = await timed(jobs);
      await flush(ctx.redis);
      return rate;
    },
    async send(x) {
      return checked(x, await (await task.delay(x, x)).get({ timeout: 120 }));
    },
    async close() {
      await closeClient();
      await worker.stop();
    },
  };
};
