/** The canvas part of `results/latest.json`: wall times of a chord and a chain against plain tasks. */
import type { Summary } from '../stats.js';

/** Sizes of the canvas rows. */
export interface CanvasSizes {
  reps: number;
  /** Header members of the chord. */
  chord: number;
  /** Steps of the chain. */
  chain: number;
  /** Concurrency of the Celerity worker (async pool). */
  celerityConcurrency: number;
  /** Processes of the Python Celery worker (prefork pool). */
  pythonConcurrency: number;
}

/** Which worker ran the canvas. */
export type CanvasWorker = 'celerity' | 'python-celery';

/** One worker's figures, in milliseconds from the first send to the last result. */
export interface CanvasRow {
  worker: CanvasWorker;
  /** `chord.size` header tasks and the body. */
  chord?: Summary;
  /** As many plain tasks as the chord's header, sent at once. */
  chordPlain?: Summary;
  chain?: Summary;
  /** As many plain tasks as the chain's steps, sent at once. */
  chainPlain?: Summary;
}

/** The canvas rows. */
export interface CanvasResults {
  sizes: CanvasSizes;
  /** Python Celery's version, or why its row is missing. */
  python: { celery: string } | { unavailable: string };
  rows: CanvasRow[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional canvas part. */
export interface WithCanvas {
  canvas?: CanvasResults;
}
