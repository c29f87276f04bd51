/**
 * The RabbitMQ rows: on a fresh vhost of the shared RabbitMQ, raw amqplib floors (publish with
 * confirms; consume with manual acks at prefetch 1, 10, 100), celery-node and Celerity, each
 * repetition going round the systems so outside load hits them alike. The vhost is deleted at the end.
 */
import { performance } from 'node:perf_hooks';
import { flush } from '../redis-stats.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { perSecond, summarize } from '../stats.js';
import { countKeys } from '../system.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import { openAmqpAdmin } from './admin.js';
import type { AmqpAdmin } from './admin.js';
import { openCeleryNodeProducer, openCelerityProducer } from './producers.js';
import { openRawPublisher } from './raw.js';
import { MINIMAL_KEY } from './results.js';
import type { AmqpMeasure, AmqpResults, AmqpRow, AmqpSizes, AmqpSystemName } from './results.js';
import { amqpSizes } from './sizes.js';
import { createBenchVhost } from './vhost.js';
import { AMQP_URL_ENV } from './workers/env.js';

interface Env {
  ctx: ScenarioContext;
  url: string;
  queue: string;
  admin: AmqpAdmin;
  sizes: AmqpSizes;
  out: AmqpResults;
}

/** Repetitions of one row, filled one at a time; a failed row stops repeating. */
interface Series {
  system: AmqpSystemName;
  measure: AmqpMeasure;
  setting: string;
  key: string;
  rates: number[];
  cpu: number[];
  failed: boolean;
}

function series(system: AmqpSystemName, measure: AmqpMeasure, setting: string, key: string): Series {
  return { system, measure, setting, key, rates: [], cpu: [], failed: false };
}

async function attempt(env: Env, s: Series, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    s.failed = true;
    const message = error instanceof Error ? error.message : String(error);
    env.out.errors.push({ system: s.system, what: `${s.measure} ${s.setting}`, message });
    env.ctx.log(`  amqp ${s.system} ${s.measure}: FAILED ${message.split('\n')[0]}`);
  }
}

/**
 * Runs one timed publish into `s`: its rate, and this process's CPU per message (the publishers run
 * in the bench process; CPU time moves less than wall time when other work shares the cores).
 */
async function timed(s: Series, count: number, body: () => Promise<void>): Promise<void> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await body();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  s.rates.push(perSecond(count, ms));
  s.cpu.push((used.user + used.system) / count);
}

/** One publish repetition of every system: one at a time, then in batches; the queue count is checked. */
async function publishRep(env: Env, all: Series[], rep: number): Promise<void> {
  const { sizes, url, queue, admin } = env;
  const byKey = (key: string): Series | undefined => all.find((s) => s.key === key);
  const open = {
    'raw-amqplib': async () => {
      const p = await openRawPublisher(url, queue);
      return { publishOne: (n: number) => p.publishOne(n), publishBulk: (n: number, b: number) => p.publishBulk(n, b), close: () => p.close() };
    },
    celerity: () => openCelerityProducer(url, queue),
    'celery-node': () => openCeleryNodeProducer(url, env.ctx.target.redisUrl, queue),
  } as const;
  for (const system of ['raw-amqplib', 'celerity', 'celery-node'] as const) {
    const one = byKey(`${system}/publish-one`);
    const bulk = byKey(`${system}/publish-bulk`);
    if (!one || one.failed) continue;
    await attempt(env, one, async () => {
      await admin.resetQueue();
      const producer = await open[system]();
      try {
        const n = system === 'celery-node' ? sizes.celeryNodePublish : sizes.publishOne;
        await timed(one, n, () => producer.publishOne(n));
        await admin.waitReady(n);
        if (bulk && producer.publishBulk && !bulk.failed) {
          const publishBulk = producer.publishBulk.bind(producer);
          await attempt(env, bulk, async () => {
            await timed(bulk, sizes.publishBulk, () => publishBulk(sizes.publishBulk, sizes.bulkBatch));
            await admin.waitReady(n + sizes.publishBulk);
          });
        }
      } finally {
        await producer.close();
      }
      const minimal = system === 'raw-amqplib' ? byKey(MINIMAL_KEY) : undefined;
      if (minimal && !minimal.failed) {
        await attempt(env, minimal, async () => {
          await admin.resetQueue();
          const raw = await openRawPublisher(url, queue, true);
          try {
            await timed(minimal, sizes.publishBulk, () => raw.publishBulk(sizes.publishBulk, sizes.bulkBatch));
          } finally {
            await raw.close();
          }
          await admin.waitReady(sizes.publishBulk);
        });
      }
      env.ctx.log(`  amqp publish ${system} rep ${rep + 1}: ${one.rates.at(-1)!.toFixed(0)}/s one at a time${bulk ? `, ${bulk.rates.at(-1)?.toFixed(0) ?? '—'}/s bulk` : ''}`);
    });
  }
}

interface ProcessSeries extends Series {
  module: string;
  concurrency: number;
  /** Who fills the queue before a run (untimed): raw messages for raw, Celerity's client otherwise. */
  fill: 'raw' | 'celerity';
  worker: WorkerProcess | null;
  peakRss?: number;
}

async function fillQueue(env: Env, how: 'raw' | 'celerity'): Promise<void> {
  const { url, queue, sizes } = env;
  const producer = how === 'raw' ? await openRawPublisher(url, queue) : await openCelerityProducer(url, queue);
  try {
    await producer.publishBulk!(sizes.processJobs, sizes.bulkBatch);
  } finally {
    await producer.close();
  }
  await env.admin.waitReady(sizes.processJobs);
}

async function processRep(env: Env, s: ProcessSeries, rep: number): Promise<void> {
  const { ctx, sizes, admin } = env;
  const n = sizes.processJobs;
  await admin.resetQueue();
  if (s.system === 'celery-node') await flush(ctx.redis);
  await fillQueue(env, s.fill);
  const run = await s.worker!.run({ redisUrl: ctx.target.redisUrl, queue: env.queue, concurrency: s.concurrency, expect: n, timeout: ctx.config.runTimeoutMs });
  if (run.processed < n) throw new Error(`only ${run.processed} of ${n} processed`);
  // Every message was taken and acked: nothing is ready, and celery-node stored every result.
  const left = await admin.ready();
  if (left !== 0) throw new Error(`${left} messages still ready after the run`);
  if (s.system === 'celery-node') {
    const stored = await countKeys(ctx.redis, 'celery-task-meta-*');
    if (stored < n) throw new Error(`only ${stored} of ${n} results stored`);
  }
  s.rates.push(perSecond(n, run.ms));
  s.cpu.push(run.cpuUs / n);
  ctx.log(`  amqp process ${s.system} ${s.setting} rep ${rep + 1}: ${s.rates.at(-1)!.toFixed(0)}/s, worker ${s.cpu.at(-1)!.toFixed(1)} µs/msg`);
}

function processSeries(system: AmqpSystemName, module: string, concurrency: number, setting: string, key: string, fill: 'raw' | 'celerity'): ProcessSeries {
  return { ...series(system, 'process', setting, key), module, concurrency, fill, worker: null };
}

/** Which systems run: raw amqplib always (it is the baseline), the others when `--only` allows. */
export type AmqpSystemFilter = (system: AmqpSystemName) => boolean;

/**
 * Runs every RabbitMQ row on a fresh vhost and returns them (failures are listed in `errors`).
 * @example
 * results.amqp = await runAmqp(ctx);
 */
export async function runAmqp(ctx: ScenarioContext, include: AmqpSystemFilter = () => true): Promise<AmqpResults> {
  const sizes = amqpSizes(ctx.config);
  const out: AmqpResults = { rabbitmq: 'unknown', sizes, rows: [], errors: [] };
  await using vhost = await createBenchVhost();
  out.rabbitmq = vhost.version;
  ctx.log(`  RabbitMQ ${vhost.version}, vhost ${vhost.name}`);
  const queue = ctx.target.queue;
  const admin = await openAmqpAdmin(vhost.url, queue);
  const env: Env = { ctx, url: vhost.url, queue, admin, sizes, out };
  const previousUrl = process.env[AMQP_URL_ENV];
  process.env[AMQP_URL_ENV] = vhost.url;
  const systems = (['raw-amqplib', 'celerity', 'celery-node'] as const).filter((s) => s === 'raw-amqplib' || include(s));
  const publishes: Series[] = systems.flatMap((system) => [
    series(system, 'publish-one', system === 'celery-node' ? `${sizes.celeryNodePublish} sends` : `${sizes.publishOne.toLocaleString('en-US')} sends`, `${system}/publish-one`),
    ...(system === 'celery-node' ? [] : [series(system, 'publish-bulk', `${sizes.publishBulk.toLocaleString('en-US')} in batches of ${sizes.bulkBatch.toLocaleString('en-US')}`, `${system}/publish-bulk`)]),
    ...(system === 'raw-amqplib' ? [series(system, 'publish-bulk', 'the same, minimal message (no headers or properties)', MINIMAL_KEY)] : []),
  ]);
  const processes: ProcessSeries[] = [
    ...[1, 10, 100].map((p) => processSeries('raw-amqplib', 'raw-amqplib.ts', p, `prefetch ${p}`, `raw-amqplib/process/${p}`, 'raw')),
    ...(systems.includes('celerity') ? [processSeries('celerity', 'celerity.ts', 25, 'concurrency 25 (prefetch 100)', 'celerity/process/25', 'celerity')] : []),
    ...(systems.includes('celery-node') ? [processSeries('celery-node', 'celery-node.ts', 1, 'no prefetch limit, results in Redis', 'celery-node/process', 'celerity')] : []),
  ];
  try {
    for (let rep = 0; rep < sizes.reps; rep++) await publishRep(env, publishes, rep);
    for (const s of processes) {
      await attempt(env, s, async () => {
        s.worker = await startWorkerProcess(`../amqp/workers/${s.module}`, ctx.workerExecArgv);
      });
    }
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const s of processes.filter((p) => !p.failed)) await attempt(env, s, () => processRep(env, s, rep));
    }
    for (const s of processes.filter((p) => !p.failed)) s.peakRss = await s.worker!.peakRss();
  } finally {
    await Promise.all(processes.map((s) => s.worker?.close()));
    await admin.close().catch(() => {});
    if (previousUrl === undefined) delete process.env[AMQP_URL_ENV];
    else process.env[AMQP_URL_ENV] = previousUrl;
  }
  for (const s of [...publishes, ...processes]) {
    if (s.failed || s.rates.length === 0) continue;
    const row: AmqpRow = { system: s.system, measure: s.measure, setting: s.setting, key: s.key, rate: summarize(s.rates) };
    if (s.cpu.length > 0) row[s.measure === 'process' ? 'workerCpuUs' : 'clientCpuUs'] = summarize(s.cpu);
    const peak = (s as Partial<ProcessSeries>).peakRss;
    if (peak !== undefined) row.peakRssBytes = peak;
    out.rows.push(row);
  }
  return out;
}
