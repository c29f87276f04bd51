/** The scale part of `results/latest.json`: one Celerity worker process against two on the same queue. */
import type { Summary } from '../stats.js';

/** Sizes of the scale rows. */
export interface ScaleSizes {
  reps: number;
  jobs: number;
  /** Concurrency of each worker process. */
  concurrency: number;
}

/** One setup: `processes` worker processes consuming the same queue. */
export interface ScaleRow {
  processes: number;
  rate: Summary;
  /** CPU of every worker process together, per task, µs. */
  workerCpuUs: Summary;
  /** Redis CPU per task (`INFO` `used_cpu_user` + `used_cpu_sys`), µs. */
  redisCpuUs: Summary;
  /** Redis CPU over the run's wall time: the share of one core Redis used (it runs commands on one thread). */
  redisCoreShare: Summary;
}

/** Everything the scale part measured. */
export interface ScaleResults {
  sizes: ScaleSizes;
  /** CPUs of the machine. */
  cores: number;
  rows: ScaleRow[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional scale part. */
export interface WithScale {
  scale?: ScaleResults;
}
