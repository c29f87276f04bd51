/** The Python Celery part of `results/latest.json`: Python Celery 5.2's worker beside Celerity's, same task, same Redis. */
import type { Summary } from '../stats.js';
import type { PythonPool } from './python-worker.js';

/** Sizes of the Python rows. */
export interface PythonPeerSizes {
  /** Timed repetitions of each row (after one untimed warm-up run). */
  reps: number;
  /** Pre-enqueued tasks per timed run of a Python worker. */
  pythonJobs: number;
  /** Pre-enqueued tasks per timed run of Celerity's worker (its processing scenario's count). */
  celerityJobs: number;
  /** Round trips per repetition, at least… */
  roundTrips: number;
  /** …and for at least this many ms (at most {@link roundTripMaxMs}). */
  roundTripMinMs: number;
  roundTripMaxMs: number;
  /** Round trips before measuring. */
  roundTripWarmup: number;
}

/** One worker at one concurrency. */
export interface PythonPeerRow {
  worker: 'python-celery' | 'celerity';
  /** Celery's `-P` for Python; Celerity's pool (`async`). */
  pool: PythonPool | 'async';
  concurrency: number;
  /** Tasks per timed run. */
  jobs: number;
  /** Tasks/s, from the go to the last stored result. */
  throughput?: Summary;
  /** CPU (user + system) of the worker's processes per task, µs (a prefork pool's children included). */
  cpuUsPerTask?: Summary;
  /** Peak RSS after the rows: the sum over the worker's processes (VmHWM of each), bytes. */
  peakRssBytes?: number;
  /** One `add` sent, its result awaited, in a row: ms. */
  roundTrip?: { p50: Summary; p99: Summary; samples: number[] };
}

/** The Python rows. */
export interface PythonPeerResults {
  sizes: PythonPeerSizes;
  /** Python Celery's version, or why its rows are missing. */
  python: { celery: string } | { unavailable: string };
  rows: PythonPeerRow[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional Python part. */
export interface WithPythonPeer {
  python?: PythonPeerResults;
}
