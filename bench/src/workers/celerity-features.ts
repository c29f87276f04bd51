/**
 * Worker child for the features rows: `createWorker` with the Redis broker and backend and one
 * feature switched on, named by `BENCH_CELERITY_FEATURE` (the bench sets it, the pool and the count
 * of ETA tasks to hold before it forks this child). Unlike the other children, the worker starts
 * on `prepare`, on an empty queue (the `eta-held` row's worker also takes its ETA tasks then), and
 * the clock starts with the move of the measured tasks from the staging db onto its queue (see
 * STAGE_DB in features/plan.ts). At the end of a run it leaves what it saw under REPORT_KEY.
 */
import { fileURLToPath } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { defineTask } from '@celerity/core';
import type { WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { FEATURE_ENV, FEATURES_RATE_LIMIT, FEATURE_NAMES, HELD_ENV, POOL_ENV, REPORT_KEY, STAGE_DB } from '../features/plan.js';
import type { FeatureChildReport, FeatureName, FeaturePool } from '../features/plan.js';
import { processCpuUs, processMemory } from '../features/proc.js';
import { infoNumber } from '../redis-stats.js';
import * as poolTasks from './celerity-pool-tasks.js';
import { runWorkerChild } from './harness.js';

const feature = (process.env[FEATURE_ENV] ?? 'baseline') as FeatureName;
if (!FEATURE_NAMES.includes(feature)) throw new Error(`unknown ${FEATURE_ENV} '${feature}'`);
const pool = (process.env[POOL_ENV] ?? 'async') as FeaturePool;
const held = Number(process.env[HELD_ENV] ?? '0');
// Compiled (`dist/workers/*.js`) or from source through tsx: the pool's children import the same file.
const tasksModule = fileURLToPath(new URL(`./celerity-pool-tasks.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

// Tracing: an SDK provider whose exporter drops every batch it is handed (counted, to show spans were made).
let spans = 0;
const provider = feature === 'tracing' ? startTracing() : undefined;
function startTracing(): BasicTracerProvider {
  const discard: SpanExporter = {
    export(batch, done) {
      spans += batch.length;
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => {},
  };
  const tracer = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(tracer);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return tracer;
}

function featureOptions(name: FeatureName): Partial<WorkerOptions> {
  switch (name) {
    case 'events':
      return { eventsEnabled: true };
    case 'acks-late':
      return { acksLate: true };
    case 'result-extended':
      return { resultExtended: true };
    case 'rate-limit':
      return { tasks: [defineTask({ name: 'tasks.add', params: ['x', 'y'], rateLimit: FEATURES_RATE_LIMIT }, async (x: number, y: number) => x + y)] };
    default:
      return {};
  }
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function childrenCpuUs(pids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const us = await processCpuUs(pid);
    if (us !== undefined) out.set(pid, us);
  }
  return out;
}

async function redisCpuUs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return (infoNumber(info, 'used_cpu_user') + infoNumber(info, 'used_cpu_sys')) * 1e6;
}

runWorkerChild(async ({ redisUrl, queue, concurrency }) => {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  const admin = new Redis(redisUrl);
  const stage = new Redis(redisUrl, { db: STAGE_DB });
  await broker.connect();
  await backend.connect();
  // Events row: counts the event messages Redis took (PUBLISH answered) and keeps the body of the
  // run's first `task.multi` list, for the bench to read back (features/scenario.ts).
  let eventMessages = 0;
  let eventSample: string | null = null;
  if (feature === 'events') {
    const count = (exchange: string, routingKey: string, body: () => string): void => {
      if (exchange !== 'celeryev') return;
      eventMessages++;
      if (eventSample === null && routingKey === 'task.multi') eventSample = body();
    };
    const publish = broker.broadcast.bind(broker);
    broker.broadcast = async (exchange, routingKey, envelope) => {
      await publish(exchange, routingKey, envelope);
      count(exchange, routingKey, () => Buffer.from(envelope.body).toString('utf8'));
    };
    // Lists go as text where the broker takes it (list-publisher.ts): read the text back as JSON.
    const publishText = broker.broadcastJsonText?.bind(broker);
    if (publishText !== undefined) {
      broker.broadcastJsonText = async (exchange, routingKey, escapedJson, envelope) => {
        await publishText(exchange, routingKey, escapedJson, envelope);
        count(exchange, routingKey, () => JSON.parse(`"${escapedJson.join('')}"`) as string);
      };
    }
  }
  const worker = createWorker({
    tasks: poolTasks,
    ...(pool === 'async' ? {} : { pool, tasksModule }),
    hostname: `features-${feature}-${pool}@bench`,
    ...featureOptions(feature),
    broker,
    backend,
    queues: [queue],
    concurrency,
  });
  await worker.start();
  // The ETA tasks were queued before this run was prepared: the worker takes them all now.
  if (feature === 'eta-held') await until(() => worker.stats.scheduled >= held, 60_000, `holding ${held} ETA tasks`);
  // Process ids of the processes pool's children (the threads pool's ids are thread ids, and its CPU is the worker's own).
  const childPids = (): readonly number[] => (pool === 'processes' ? worker.pool.childIds : []);
  let cpuAtGo = new Map<number, number>();
  let redisAtGo = 0;
  let spansAtGo = 0;
  let scheduledAtGo = 0;
  let eventsAtGo = 0;
  return {
    async start() {
      if ((await stage.move(queue, 0)) !== 1) throw new Error(`no staged tasks to move onto ${queue} (or ${queue} not empty)`);
      scheduledAtGo = worker.stats.scheduled;
      spansAtGo = spans;
      eventsAtGo = eventMessages;
      eventSample = null;
      redisAtGo = await redisCpuUs(admin);
      cpuAtGo = await childrenCpuUs(childPids());
    },
    processed: () => worker.stats.processed,
    async stop() {
      try {
        const redisAtEnd = await redisCpuUs(admin);
        const cpuAtEnd = await childrenCpuUs(childPids());
        let childrenCpu = 0;
        let childrenPeak = 0;
        for (const [pid, us] of cpuAtEnd) {
          // A child that started during the run counts from zero.
          childrenCpu += us - (cpuAtGo.get(pid) ?? 0);
          childrenPeak += (await processMemory(pid, 'VmHWM')) ?? 0;
        }
        await provider?.forceFlush();
        const report: FeatureChildReport = {
          processed: worker.stats.processed,
          scheduledAtGo,
          scheduledAtEnd: worker.stats.scheduled,
          spans: spans - spansAtGo,
          childrenCpuUs: childrenCpu,
          childrenPeakRssBytes: childrenPeak,
          redisCpuUs: redisAtEnd - redisAtGo,
          eventMessages: eventMessages - eventsAtGo,
          eventSample,
        };
        await admin.set(REPORT_KEY, JSON.stringify(report));
      } finally {
        await worker.stop();
        await broker.close();
        await backend.close();
        admin.disconnect();
        stage.disconnect();
      }
    },
  };
});
