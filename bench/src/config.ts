/** Sizes of a run: `--quick` (about a minute) or the full run (within about ten minutes). */

/** Names accepted by `--scenario`. */
export const SCENARIO_NAMES = ['enqueue', 'process', 'round-trip', 'bytes'] as const;
/** One of {@link SCENARIO_NAMES}. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** How much work each scenario does. */
export interface BenchConfig {
  mode: 'quick' | 'full';
  /** Repetitions of every figure (the report shows their median and range). */
  reps: number;
  /** Jobs enqueued one at a time, each awaited. */
  enqueueOne: number;
  /** Jobs enqueued with the bulk API. */
  enqueueBulk: number;
  /** Jobs per bulk call. */
  bulkBatch: number;
  /** Pre-enqueued jobs each processing run works through. */
  processJobs: number;
  /** Worker concurrencies of the processing scenario. */
  concurrency: readonly number[];
  /** Round trips in a row per repetition, at least… */
  roundTrips: number;
  /**
   * …and for at least this many milliseconds: repetitions of equal length expose every system alike
   * to a passing disturbance (by count alone, the fastest system's repetitions were the shortest).
   */
  roundTripMinMs: number;
  /** …unless this many milliseconds pass first (celery-node polls every 500 ms). */
  roundTripMaxMs: number;
  /** Round trips before measuring (also bounded by a tenth of `roundTripMaxMs`). */
  roundTripWarmup: number;
  /** Concurrency of the worker answering round trips. */
  roundTripConcurrency: number;
  /** Jobs queued (then processed) to measure Redis bytes per job. */
  bytesJobs: number;
  /** Milliseconds before one run is declared stuck. */
  runTimeoutMs: number;
  /** Before each scenario, wait until at most this share (0–1) of all CPUs is busy… */
  quietThreshold: number;
  /** …or until this many milliseconds passed (the run goes on, and the report says so). */
  quietMaxMs: number;
}

/** The full run. */
export const FULL: BenchConfig = {
  mode: 'full',
  // Five, not three: the machine is shared, and a median of five shrugs off two disturbed runs.
  reps: 5,
  enqueueOne: 10_000,
  enqueueBulk: 50_000,
  bulkBatch: 1000,
  processJobs: 50_000,
  concurrency: [1, 10, 100],
  roundTrips: 1000,
  roundTripMinMs: 2000,
  roundTripMaxMs: 15_000,
  // Every system's first ~2,000 round trips ran up to 1.8x slower than the rest (01:40 UTC, 2026-11-24):
  // measured from the start, the first repetitions measured warm-up (JIT tiers, heap sizing).
  roundTripWarmup: 2000,
  roundTripConcurrency: 10,
  bytesJobs: 10_000,
  runTimeoutMs: 300_000,
  quietThreshold: 0.15,
  quietMaxMs: 120_000,
};

/** `--quick`: the same scenarios on small sizes. */
export const QUICK: BenchConfig = {
  mode: 'quick',
  reps: 3,
  enqueueOne: 1000,
  enqueueBulk: 10_000,
  bulkBatch: 1000,
  processJobs: 4000,
  concurrency: [1, 10, 100],
  roundTrips: 200,
  roundTripMinMs: 200,
  roundTripMaxMs: 1200,
  roundTripWarmup: 200,
  roundTripConcurrency: 10,
  bytesJobs: 2000,
  runTimeoutMs: 60_000,
  quietThreshold: 0.15,
  quietMaxMs: 10_000,
};
