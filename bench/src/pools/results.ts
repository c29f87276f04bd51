/** The pool part of `results/latest.json`: Celerity's worker in each pool, on the bench's Redis. */
import type { Summary } from '../stats.js';

/** Where the worker ran task bodies. */
export type PoolKind = 'async' | 'threads' | 'processes';

/** Which task the row ran. */
export type PoolTask = 'no-op' | 'cpu';

/** One row: tasks/s of a worker in one pool at one concurrency. */
export interface PoolRow {
  pool: PoolKind;
  task: PoolTask;
  concurrency: number;
  rate: Summary;
  /** CPU of the worker process per task, µs (a process pool's children are not counted). */
  workerCpuUs: Summary;
}

/** Sizes of the pool rows. */
export interface PoolSizes {
  reps: number;
  /** Tasks per repetition of a no-op row. */
  noopJobs: number;
  /** Tasks per repetition of a CPU row. */
  cpuJobs: number;
  /** Steps of the CPU task (`tasks.fib(n)`). */
  cpuSteps: number;
  concurrency: readonly number[];
}

/** Everything the pool part measured. */
export interface PoolsResults {
  sizes: PoolSizes;
  rows: PoolRow[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional pool part. */
export interface WithPools {
  pools?: PoolsResults;
}
