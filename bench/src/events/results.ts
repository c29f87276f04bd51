/** The events part of `results/latest.json`: Celerity's processing throughput with events on and off. */
import type { Summary } from '../stats.js';

/** Sizes of the events rows. */
export interface EventsSizes {
  reps: number;
  jobs: number;
  concurrency: number;
}

/** Throughput with events off and on, and their ratio (the target: on ≥ 0.85 × off). */
export interface EventsResults {
  sizes: EventsSizes;
  off?: Summary;
  on?: Summary;
  /** Event messages the worker published (Redis answered the PUBLISH) per repetition with events on. */
  heard: number[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional events part. */
export interface WithEvents {
  events?: EventsResults;
}
