/** The rate-limit part of `results/latest.json`: how closely Celerity's rate limits hold their rate. */
import type { Summary } from '../stats.js';

/** One row: a limit, where it is counted, how many workers share the queue, and the rate observed. */
export interface RateLimitRow {
  /** `worker` (each worker its own bucket) or `cluster` (one bucket in Redis for all). */
  scope: 'worker' | 'cluster';
  workers: number;
  /** The task's limit in tasks per second, as configured. */
  limit: number;
  /** What the limit lets through in all: the limit × workers for `worker`, the limit for `cluster`. */
  expected: number;
  tasks: number;
  /** Completions per second from the first to the last (tasks − 1 intervals). */
  observed: Summary;
  /** Largest deviation from `expected` of any 1 s window after the first second, as a fraction. */
  worstWindow: Summary;
}

/** Everything the rate-limit part measured. */
export interface RateLimitResults {
  rows: RateLimitRow[];
  reps: number;
  errors: Array<{ what: string; message: string }>;
}

/** Results that may carry the rate-limit part. */
export interface WithRateLimit {
  rateLimit?: RateLimitResults;
}
