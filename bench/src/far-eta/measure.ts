/** The far-eta part's arithmetic, kept apart from Redis and processes so it can be tested. */
import type { FarEtaSizes } from './results.js';
import type { BenchConfig } from '../config.js';

/** Sizes from the bench's mode. The hold outlasts one restore pass of Celerity's worker (every 10 s) in a full run. */
export function farEtaSizes(config: BenchConfig): FarEtaSizes {
  return config.mode === 'quick' ? { tasks: 50_000, delayS: 86_400, parkEtaAfter: 3600, holdMs: 3000 } : { tasks: 1_000_000, delayS: 86_400, parkEtaAfter: 3600, holdMs: 12_000 };
}

/**
 * Redis bytes per task: the growth of `used_memory` over the task count; NaN without tasks.
 * @example
 * bytesPerTask(1_000_000, 501_000_000, 1_000_000); // 500
 */
export function bytesPerTask(before: number, after: number, tasks: number): number {
  return tasks > 0 ? (after - before) / tasks : Number.NaN;
}

/** Options of {@link sampleLargest}. */
export interface SampleOptions {
  /** Reads the figure; undefined when it cannot be read (the sample is skipped). */
  read(): Promise<number | undefined>;
  /** How long to sample, ms. */
  durationMs: number;
  /** Between two samples, ms. */
  everyMs: number;
  /** Waits `ms` (a timer; injected by tests). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The largest of the samples taken every `everyMs` over `durationMs` (the first at once, the last
 * at the end); NaN when none could be read.
 * @example
 * const rss = await sampleLargest({ read: () => processMemory(pid, 'VmRSS'), durationMs: 12_000, everyMs: 250 });
 */
export async function sampleLargest(options: SampleOptions): Promise<number> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let largest = Number.NaN;
  const steps = Math.max(1, Math.ceil(options.durationMs / options.everyMs));
  for (let step = 0; step <= steps; step++) {
    if (step > 0) await sleep(Math.min(options.everyMs, options.durationMs - (step - 1) * options.everyMs));
    const value = await options.read();
    if (value !== undefined && !(value <= largest)) largest = value;
  }
  return largest;
}
