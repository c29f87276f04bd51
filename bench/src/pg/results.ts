/** The PostgreSQL part of `results/latest.json`: graphile-worker and pg-boss, one row per variant. */
import type { EnqueueFigures, RoundTripFigures } from '../results.js';
import type { Summary } from '../stats.js';

/** How much work each scenario of the part does. */
export interface PgSizes {
  reps: number;
  enqueueOne: number;
  enqueueBulk: number;
  bulkBatch: number;
  processJobs: number;
  concurrency: readonly number[];
  roundTrips: number;
  roundTripMinMs: number;
  roundTripMaxMs: number;
  roundTripWarmup: number;
  roundTripConcurrency: number;
}

/** One concurrency of one variant. */
export interface PgProcessFigures {
  throughput: Summary;
  /** Worker process VmHWM after all repetitions, bytes. */
  peakRssBytes: number;
  /** Worker CPU (user + system, all threads) per job, µs. */
  workerCpuUs: Summary;
  /** PostgreSQL server CPU (all its processes) per job, µs; absent when no server process was visible. */
  postgresCpuUs?: Summary;
}

/** A row of the tables, with what ran it. */
export interface PgRow {
  name: string;
  label: string;
  /** `process.version` of the producer and worker children (the peers may need a newer Node than the bench's). */
  producerNode?: string;
  workerNode?: string;
  settings: string;
  roundTrip: string;
  results: string;
}

/** Everything the part measured. */
export interface PgResults {
  /** `server_version`, or `unavailable` when no database could be made. */
  postgres: string;
  database: string;
  /** Which `node` ran the children and how it compares with the peers' `engines`. */
  node: string;
  sizes: PgSizes;
  rows: PgRow[];
  enqueue: Record<string, EnqueueFigures>;
  /** Keyed by row, then by concurrency. */
  process: Record<string, Record<string, PgProcessFigures>>;
  roundTrip: Record<string, RoundTripFigures>;
  errors: Array<{ row: string; scenario: string; message: string }>;
}

/** `BenchResults` with the optional PostgreSQL part. */
export interface WithPg {
  pg?: PgResults;
}
