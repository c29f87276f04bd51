/**
 * The cost of each feature: Celerity's worker against itself in the same run, on the bench's Redis
 * (broker and results), processing the same pre-queued `add(x, y)` tasks with one feature on per
 * row (plan.ts). Each row has its own worker process, kept for every repetition (its peak RSS is
 * read after the last); each first makes one untimed run, then the repetitions go round the rows,
 * in reverse order every other repetition. A run's tasks wait in a staging db and are moved onto
 * the queue as the clock starts, so every worker — the `eta-held` one holding its ETA tasks — is
 * started and idle at `go`; the clock stops at the last stored result.
 */
import { EventMonitor, eventTypesOf } from '../events/event-monitor.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { flush } from '../redis-stats.js';
import { perSecond, summarize } from '../stats.js';
import { countKeys } from '../system.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import type { FeatureChildReport, FeatureRowPlan } from './plan.js';
import { FEATURE_ENV, HELD_ENV, POOL_ENV, REPORT_KEY, STAGE_DB, featureRows, featuresSizes, rowOrder } from './plan.js';
import type { FeaturesResults, FeaturesSizes } from './results.js';
import { onDb, sendAdds } from './stage.js';

/** One row's worker and what its repetitions measured. */
interface Series {
  plan: FeatureRowPlan;
  worker: WorkerProcess;
  rates: number[];
  cpu: number[];
  redisCpu: number[];
  childrenPeak: number;
  /** What the last measured repetition checked. */
  check: string;
  failed: boolean;
}

async function startRow(plan: FeatureRowPlan, sizes: FeaturesSizes, execArgv: readonly string[]): Promise<WorkerProcess> {
  // The worker child reads its switches from its environment, inherited when it is forked.
  const env = { [FEATURE_ENV]: plan.feature, [POOL_ENV]: plan.pool, [HELD_ENV]: String(plan.feature === 'eta-held' ? sizes.heldEta : 0) };
  Object.assign(process.env, env);
  try {
    return await startWorkerProcess('celerity-features.ts', execArgv);
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
  }
}

/**
 * What the run shows of its feature being on; throws when it shows the feature was off. `monitor`:
 * the subscriber of the untimed runs, null in the timed ones (it would take CPU from the worker).
 */
async function check(ctx: ScenarioContext, series: Series, report: FeatureChildReport, monitor: EventMonitor | null, sizes: FeaturesSizes): Promise<string> {
  const { feature, pool } = series.plan;
  const { jobs } = sizes;
  if (feature === 'events') {
    if (report.eventMessages === 0 || report.eventSample === null) throw new Error('no event message published with events on');
    const types = eventTypesOf(report.eventSample, 'the worker\'s first task.multi list');
    if (!types.some((type) => type.startsWith('task-'))) throw new Error(`the first task.multi list has no task event: ${types.join(', ')}`);
    if (monitor !== null) {
      if (monitor.heard === 0) throw new Error('no event message heard with events on');
      const sampled = monitor.sampled();
      if (!sampled.types.some((type) => type.startsWith('task-'))) throw new Error(`the event message heard has no task event: ${sampled.types.join(', ')}`);
    }
    return `${(report.eventMessages / jobs).toFixed(3)} event messages (\`task.multi\` lists) published per task; the first read back: ${types.length} events`;
  }
  // A few may be the last ones of an events-on run just before (published after its last result).
  if (monitor !== null && monitor.heard > jobs / 100) throw new Error(`${monitor.heard} event messages heard with events off`);
  if (feature === 'eta-held') {
    if (report.scheduledAtGo < sizes.heldEta || report.scheduledAtEnd < sizes.heldEta) throw new Error(`held ${report.scheduledAtGo} ETA tasks at go, ${report.scheduledAtEnd} at the end, not ${sizes.heldEta}`);
    return `${sizes.heldEta.toLocaleString('en-US')} ETA tasks held at go and at the end`;
  }
  if (feature === 'tracing') {
    if (report.spans === 0) throw new Error('no span exported with tracing on');
    return `${(report.spans / report.processed).toFixed(2)} spans exported per task`;
  }
  if (feature === 'result-extended') {
    const [, keys] = await ctx.redis.scan('0', 'MATCH', 'celery-task-meta-*', 'COUNT', 1000);
    const stored = keys[0] === undefined ? null : await ctx.redis.get(keys[0]);
    if (stored === null || !stored.includes('"name": "tasks.add"')) throw new Error(`a stored result has no task name: ${String(stored).slice(0, 200)}`);
    return 'results carry the task name and arguments';
  }
  if (pool === 'processes') {
    if (report.childrenCpuUs <= 0) throw new Error('no CPU used by the pool children');
    return `the pool children's CPU included (${(report.childrenCpuUs / jobs).toFixed(1)} µs per task)`;
  }
  return '';
}

async function repetition(ctx: ScenarioContext, series: Series, sizes: FeaturesSizes, monitor: EventMonitor | null, measured: boolean): Promise<number> {
  const { plan, worker } = series;
  await flush(ctx.redis);
  if (plan.feature === 'eta-held') await sendAdds(ctx.target.redisUrl, ctx.target.queue, sizes.heldEta, { eta: new Date(Date.now() + 86_400_000) });
  await sendAdds(onDb(ctx.target.redisUrl, STAGE_DB), ctx.target.queue, sizes.jobs);
  monitor?.reset();
  const run = await worker.run({ redisUrl: ctx.target.redisUrl, queue: ctx.target.queue, concurrency: plan.concurrency, expect: sizes.jobs, timeout: ctx.config.runTimeoutMs });
  const stored = await countKeys(ctx.redis, 'celery-task-meta-*');
  if (stored < sizes.jobs) throw new Error(`only ${stored} of ${sizes.jobs} results stored`);
  const text = await ctx.redis.get(REPORT_KEY);
  if (text === null) throw new Error('the worker left no report');
  const report = JSON.parse(text) as FeatureChildReport;
  const verdict = await check(ctx, series, report, monitor, sizes);
  if (!measured) return report.eventMessages;
  series.rates.push(perSecond(sizes.jobs, run.ms));
  series.cpu.push((run.cpuUs + report.childrenCpuUs) / sizes.jobs);
  series.redisCpu.push(report.redisCpuUs / sizes.jobs);
  series.childrenPeak = Math.max(series.childrenPeak, report.childrenPeakRssBytes);
  series.check = verdict;
  ctx.log(`  features ${plan.id}${plan.id.includes('c=') ? '' : ` c=${plan.concurrency}`}: ${series.rates.at(-1)!.toFixed(0)} tasks/s, CPU per task: worker ${series.cpu.at(-1)!.toFixed(1)} µs, Redis ${series.redisCpu.at(-1)!.toFixed(1)} µs${verdict ? ` (${verdict})` : ''}`);
  return report.eventMessages;
}

/**
 * Runs the rows of `selection` (`events`: the baseline and the events row only, for the events part).
 * @example
 * results.features = await runFeatures(ctx, 'all');
 */
export async function runFeatures(ctx: ScenarioContext, selection: 'all' | 'events'): Promise<FeaturesResults> {
  const sizes = featuresSizes(ctx.config);
  const out: FeaturesResults = { sizes, rows: [], heard: [], errors: [] };
  const fail = (series: Series, error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    series.failed = true;
    out.errors.push({ row: series.plan.id, message });
    ctx.log(`  features ${series.plan.id}: FAILED ${message.split('\n')[0]}`);
  };
  // Through the untimed runs only, a subscriber to kombu's event channels of db 0 checks that the
  // events row's messages reach a consumer and read back, and that no other row sends any
  // (event-monitor.ts). Receiving them costs 2–4 µs of CPU per task on the cores the worker shares:
  // the timed runs check what the worker published instead.
  let monitor: EventMonitor | null = await EventMonitor.start(ctx.target.redisUrl);
  const all: Series[] = [];
  try {
    for (const plan of featureRows(selection)) {
      try {
        all.push({ plan, worker: await startRow(plan, sizes, ctx.workerExecArgv), rates: [], cpu: [], redisCpu: [], childrenPeak: 0, check: '', failed: false });
      } catch (error) {
        out.errors.push({ row: plan.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
    // One untimed run each first: a cold worker's first run measures the JIT more than its feature.
    for (const series of all) await repetition(ctx, series, sizes, monitor, false).catch((error: unknown) => fail(series, error));
    monitor.close();
    monitor = null;
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const series of rowOrder(all, rep).filter((s) => !s.failed)) {
        try {
          const published = await repetition(ctx, series, sizes, null, true);
          if (series.plan.feature === 'events') out.heard.push(published);
        } catch (error) {
          fail(series, error);
        }
      }
    }
    for (const series of all.filter((s) => !s.failed && s.rates.length > 0)) {
      const { plan } = series;
      out.rows.push({
        ...plan,
        rate: summarize(series.rates),
        workerCpuUs: summarize(series.cpu),
        redisCpuUs: summarize(series.redisCpu),
        peakRssBytes: (await series.worker.peakRss()) + series.childrenPeak,
        check: series.check,
      });
    }
  } finally {
    await Promise.all(all.map((s) => s.worker.close()));
    monitor?.close();
    await flush(ctx.redis);
  }
  return out;
}
