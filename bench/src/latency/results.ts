/** The latency part of `results/latest.json`: latency under a steady offered load, per system and load level. */

/** Sizes of the latency rows. */
export interface LatencySizes {
  /** Milliseconds each load level offers tasks for. */
  durationMs: number;
  /** Offered loads, as shares (0–1) of each system's measured maximum. */
  shares: readonly number[];
  /** Worker concurrency of every system. */
  concurrency: number;
  /** Tasks of the timed maximum-rate runs of the Node workers (the Python worker gets {@link pythonMaxJobs}). */
  maxJobs: number;
  pythonMaxJobs: number;
  /** Sends the producer keeps in flight while it measures the maximum with itself in the loop. */
  loopWindow: number;
}

/** p50 / p99 / p99.9 of a latency, in milliseconds. */
export interface LatencyPercentiles {
  p50: number;
  p99: number;
  p999: number;
}

/** One load level of one system. */
export interface LatencyLevel {
  /** Share of the system's maximum offered (0–1). */
  share: number;
  /** Tasks per second asked of the producer. */
  targetRate: number;
  /** Sends per second the producer achieved, first send to last. */
  offeredRate: number;
  /** Results per second, from the first send to the last result seen. */
  achievedRate: number;
  sent: number;
  /** Results seen; the percentiles are over these only. */
  completed: number;
  /** Sends or waits that failed (the client's error, e.g. a timeout); `sent − completed − failed` were still waiting when the run's time ran out. */
  failed: number;
  /** The first failure's message. */
  firstError?: string;
  /** From the producer's send call to the worker's task start (its body's first line). */
  toStart: LatencyPercentiles;
  /** From the producer's send call to the producer holding the result. */
  toResult: LatencyPercentiles;
  /** p99 of how late the producer sent against its schedule, ms. */
  producerLateP99: number;
}

/** One system: its measured maximum and its load levels. */
export interface LatencyRow {
  system: string;
  /** What runs, e.g. `async pool, concurrency 10`. */
  worker: string;
  /**
   * Tasks per second with the producer in the loop: the same sends and waits as the levels, as fast
   * as they go with `loopWindow` in flight. The levels are shares of this.
   */
  maxRate: number;
  /** Tasks per second of the worker alone: a timed run of pre-enqueued tasks (results kept). */
  workerMaxRate: number;
  levels: LatencyLevel[];
}

/** The latency rows. */
export interface LatencyResults {
  sizes: LatencySizes;
  rows: LatencyRow[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional latency part. */
export interface WithLatency {
  latency?: LatencyResults;
}
