/** The features part of `results/latest.json`: Celerity against itself, one feature switched on per row. */
import type { Summary } from '../stats.js';
import type { FeatureName, FeaturePool } from './plan.js';

/** Sizes of the features rows. */
export interface FeaturesSizes {
  reps: number;
  /** `add(x, y)` tasks per repetition of every row. */
  jobs: number;
  /** ETA tasks the `eta-held` row's worker holds during its runs. */
  heldEta: number;
  /** Concurrency of the baseline and of every single-feature row (the pool rows name their own). */
  concurrency: number;
}

/** One row's figures over its repetitions. */
export interface FeatureFigures {
  /** e.g. `events`, `threads c=8`. */
  id: string;
  feature: FeatureName;
  pool: FeaturePool;
  concurrency: number;
  /** The id of the row this one is compared with (itself for a baseline). */
  baseline: string;
  rate: Summary;
  /** CPU per task of the worker process, plus its pool's child processes (processes pool), µs. */
  workerCpuUs: Summary;
  /** Redis CPU per task (`INFO` `used_cpu_*`, from the move of the tasks to the worker's stop), µs. */
  redisCpuUs: Summary;
  /** The worker process's VmHWM after every repetition, plus its pool children's largest VmHWM sum, bytes. */
  peakRssBytes: number;
  /** What the run checked to show the feature was on, e.g. `3.0 event messages per task`. */
  check: string;
}

/** Everything the features part measured. */
export interface FeaturesResults {
  sizes: FeaturesSizes;
  rows: FeatureFigures[];
  /** Event messages the `events` row's worker published (Redis answered the PUBLISH) per repetition. */
  heard: number[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional features part. */
export interface WithFeatures {
  features?: FeaturesResults;
}
