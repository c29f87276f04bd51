/**
 * What the features part runs: one row per feature of Celerity's worker, each switched on alone
 * against a baseline worker of the same run, and the thread and process pools against the async
 * pool at the same concurrency. Shared by the bench (scenario.ts) and the worker child
 * (`workers/celerity-features.ts`): the names of the switches it reads from its environment, the
 * Redis db the tasks wait in, and the key its report is left under.
 */
import type { BenchConfig } from '../config.js';
import type { FeaturesSizes } from './results.js';

/** What a row switches on. `baseline` is the worker with every option at its default. */
export const FEATURE_NAMES = ['baseline', 'events', 'acks-late', 'result-extended', 'rate-limit', 'eta-held', 'tracing'] as const;
/** One of {@link FEATURE_NAMES}. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Where the row's worker runs task bodies. */
export type FeaturePool = 'async' | 'threads' | 'processes';

/** One row to run. */
export interface FeatureRowPlan {
  id: string;
  feature: FeatureName;
  pool: FeaturePool;
  concurrency: number;
  /** The id of the row this one is compared with. */
  baseline: string;
}

/** The concurrency of the baseline and the single-feature rows. */
export const FEATURES_CONCURRENCY = 100;
/** The concurrencies of the pool rows (as the pools part: a child per slot). */
export const POOL_CONCURRENCY: readonly number[] = [2, 8];
/** The rate limit of the `rate-limit` row: far above any throughput here, so only its check costs. */
export const FEATURES_RATE_LIMIT = '1000000/s';

/** Environment of the worker child: the feature, the pool, and how many ETA tasks to hold. */
export const FEATURE_ENV = 'BENCH_CELERITY_FEATURE';
export const POOL_ENV = 'BENCH_CELERITY_FEATURE_POOL';
export const HELD_ENV = 'BENCH_CELERITY_HELD_ETA';
/**
 * The Redis db the measured tasks wait in until `go`: the worker child moves the queue's list into
 * db 0 (`MOVE`, one O(1) command that wakes its blocked `BRPOP`) as the clock starts, so the worker
 * is started and idle — and the `eta-held` row's worker already holds its ETA tasks — before it.
 */
export const STAGE_DB = 1;
/** The key (db 0) the worker child leaves its {@link FeatureChildReport} under when a run ends. */
export const REPORT_KEY = 'bench-features:report';

/** What the worker child saw during one run, from `go` to the start of its stop. */
export interface FeatureChildReport {
  processed: number;
  /** ETA tasks held when the clock started, and when the run ended. */
  scheduledAtGo: number;
  scheduledAtEnd: number;
  /** Spans the no-op exporter was handed (tracing row), after a flush. */
  spans: number;
  /** CPU of the pool's child processes over the run (processes pool), µs. */
  childrenCpuUs: number;
  /** Sum of the pool children's VmHWM (processes pool), bytes. */
  childrenPeakRssBytes: number;
  /** Redis CPU over the run (`used_cpu_user` + `used_cpu_sys` deltas), µs. */
  redisCpuUs: number;
  /** Event messages Redis took from the worker (PUBLISH answered) over the run (events row; 0 in the others). */
  eventMessages: number;
  /** The JSON body of the run's first `task.multi` list (events row), or null. */
  eventSample: string | null;
}

/**
 * Every row: `events` only the baseline and the events row (the events part); `all` every feature
 * at {@link FEATURES_CONCURRENCY}, then the async, threads and processes pools at each of
 * {@link POOL_CONCURRENCY}, each pool row compared with the async row of its concurrency.
 * @example
 * featureRows('events').map((r) => r.id); // ['baseline', 'events']
 */
export function featureRows(selection: 'all' | 'events'): FeatureRowPlan[] {
  const single = (feature: FeatureName): FeatureRowPlan => ({ id: feature, feature, pool: 'async', concurrency: FEATURES_CONCURRENCY, baseline: 'baseline' });
  if (selection === 'events') return [single('baseline'), single('events')];
  const rows = FEATURE_NAMES.map(single);
  for (const concurrency of POOL_CONCURRENCY) {
    const base = `async c=${concurrency}`;
    for (const pool of ['async', 'threads', 'processes'] as const) rows.push({ id: `${pool} c=${concurrency}`, feature: 'baseline', pool, concurrency, baseline: base });
  }
  return rows;
}

/**
 * The order of the rows in repetition `rep`: as planned in even repetitions, reversed in odd ones,
 * so a drift of the machine over a repetition (warming up, load from elsewhere building up) does
 * not always fall on the same rows.
 * @example
 * rowOrder(['a', 'b', 'c'], 1); // ['c', 'b', 'a']
 */
export function rowOrder<T>(rows: readonly T[], rep: number): T[] {
  return rep % 2 === 0 ? [...rows] : [...rows].reverse();
}

/** Sizes from the bench's mode. */
export function featuresSizes(config: BenchConfig): FeaturesSizes {
  return config.mode === 'quick' ? { reps: 3, jobs: 5000, heldEta: 10_000, concurrency: FEATURES_CONCURRENCY } : { reps: 5, jobs: 50_000, heldEta: 10_000, concurrency: FEATURES_CONCURRENCY };
}
