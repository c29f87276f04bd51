/**
 * The pool settings of a worker, checked: which pool, how many children (fixed or autoscaled),
 * recycling, and the worker-wide time limits. Also the command line's words for them (Celery's).
 */
import { ConfigurationError } from '@celerity/core';

/** Where task bodies run: the worker's event loop, threads, or processes. */
export type PoolName = 'async' | 'threads' | 'processes';

/** Autoscale bounds: children kept at least / at most. */
export interface AutoscaleOptions {
  min: number;
  max: number;
}

/** What the pool options resolve to. */
export interface PoolConfig {
  pool: PoolName;
  /** Concurrency slots (the gate), which for a child pool is its largest size. */
  concurrency: number;
  /** Children kept when idle (child pools). */
  min: number;
  tasksModule: string | undefined;
  maxTasksPerChild: number | undefined;
  maxMemoryPerChild: number | undefined;
  /** `[hard, soft]` worker-wide defaults, or undefined when neither is set. */
  defaultTimeLimit: readonly [number | null, number | null] | undefined;
}

/** The pool options as `createWorker` takes them. */
export interface PoolOptionsInput {
  pool?: PoolName | undefined;
  concurrency?: number | undefined;
  tasksModule?: string | undefined;
  timeLimit?: number | undefined;
  softTimeLimit?: number | undefined;
  maxTasksPerChild?: number | undefined;
  maxMemoryPerChild?: number | undefined;
  autoscale?: AutoscaleOptions | undefined;
}

function positiveInteger(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new ConfigurationError(`${name} must be an integer ≥ 1, got ${String(value)}`);
  return value;
}

function seconds(name: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigurationError(`${name} must be a number of seconds > 0, got ${String(value)}`);
  return value;
}

/** Checks the pool options; throws `ConfigurationError` for values that cannot work. */
export function resolvePoolConfig(input: PoolOptionsInput): PoolConfig {
  const pool = input.pool ?? 'async';
  if (pool !== 'async' && pool !== 'threads' && pool !== 'processes') throw new ConfigurationError(`pool must be 'async', 'threads' or 'processes', got ${JSON.stringify(pool)}`);
  const child = pool !== 'async';
  if (child && !input.tasksModule) throw new ConfigurationError(`the ${pool} pool needs tasksModule: the path of the module exporting the tasks, which each child imports`);
  for (const name of ['maxTasksPerChild', 'maxMemoryPerChild', 'autoscale'] as const) {
    if (!child && input[name] !== undefined) throw new ConfigurationError(`${name} applies to the threads and processes pools only (pool is 'async')`);
  }
  let concurrency = Math.max(1, input.concurrency ?? 10);
  let min = concurrency;
  if (input.autoscale) {
    const { min: low, max: high } = input.autoscale;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high < 1 || low > high) {
      throw new ConfigurationError(`autoscale needs integers 0 ≤ min ≤ max, max ≥ 1; got min ${String(low)}, max ${String(high)}`);
    }
    concurrency = high;
    min = low;
  }
  const hard = seconds('timeLimit', input.timeLimit);
  const soft = seconds('softTimeLimit', input.softTimeLimit);
  return {
    pool,
    concurrency,
    min,
    tasksModule: input.tasksModule,
    maxTasksPerChild: positiveInteger('maxTasksPerChild', input.maxTasksPerChild),
    maxMemoryPerChild: positiveInteger('maxMemoryPerChild', input.maxMemoryPerChild),
    defaultTimeLimit: hard === null && soft === null ? undefined : [hard, soft],
  };
}

/**
 * `-P` / `--pool`: ours, or Celery's words for the nearest: `prefork` → processes, `solo` → async
 * with concurrency 1 (one task at a time in the worker itself, as Celery's solo pool).
 */
export function poolFromWord(word: string): { pool: PoolName; concurrency?: number } {
  switch (word.toLowerCase()) {
    case 'async':
      return { pool: 'async' };
    case 'threads':
      return { pool: 'threads' };
    case 'processes':
    case 'prefork':
      return { pool: 'processes' };
    case 'solo':
      return { pool: 'async', concurrency: 1 };
    default:
      throw new ConfigurationError(`unknown pool '${word}' (async, threads, processes; Celery's prefork and solo are accepted)`);
  }
}

/** `--autoscale max,min` as Celery reads it (`10,3`; a lone `10` is max with min 0). */
export function parseAutoscale(text: string): AutoscaleOptions {
  const parts = text.split(',').map((p) => p.trim());
  const [maxText, minText = '0'] = parts;
  const max = Number(maxText);
  const min = Number(minText);
  if (parts.length > 2 || maxText === '' || !Number.isInteger(max) || !Number.isInteger(min) || min < 0 || max < 1 || min > max) {
    throw new ConfigurationError(`--autoscale takes max,min (integers, max ≥ min ≥ 0, max ≥ 1), got '${text}'`);
  }
  return { min, max };
}
