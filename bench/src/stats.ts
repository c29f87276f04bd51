/** Small statistics used by every scenario: percentiles of samples, a median over repetitions. */

/** A figure over repetitions: the median and the range it came from. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every repetition's value, in run order. */
  reps: number[];
}

/**
 * The p-th percentile (0–100) by nearest rank on sorted samples; NaN when there are none.
 * @example
 * percentile([5, 1, 3], 50); // 3
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  // Less a hair: (99.9 / 100) × 2000 is 1998.0000000000002 in floating point, whose ceiling would skip a rank.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[rank - 1]!;
}

/** The median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median with min–max of repetitions.
 * @example
 * summarize([10, 30, 20]); // { median: 20, min: 10, max: 30, reps: [10, 30, 20] }
 */
export function summarize(reps: readonly number[]): Summary {
  if (reps.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, reps: [] };
  return { median: median(reps), min: Math.min(...reps), max: Math.max(...reps), reps: [...reps] };
}

/** `value / base`, or null when either is missing or the base is not positive. */
export function ratio(value: number | undefined, base: number | undefined): number | null {
  if (value === undefined || base === undefined || !Number.isFinite(value) || !Number.isFinite(base) || base <= 0) return null;
  return value / base;
}

/** Jobs per second for `count` jobs done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}
