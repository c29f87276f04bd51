/** Pure arithmetic of the latency rows: percentiles of the samples and the rates of a paced run. */
import { percentile } from '../stats.js';
import type { LatencyPercentiles } from './results.js';

/** One task's stamps, all in {@link monotonicMs} milliseconds. */
export interface TaskStamps {
  /** Right before the producer's send call. */
  sentAt: number;
  /** The worker's stamp at the start of the task body. */
  startedAt: number;
  /** When the producer held the result. */
  resultAt: number;
}

/** p50 / p99 / p99.9 (nearest rank); NaN each when there are no samples. */
export function latencyPercentiles(samples: readonly number[]): LatencyPercentiles {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), p999: percentile(samples, 99.9) };
}

/** Rates and percentiles of one load level. */
export interface LevelFigures {
  offeredRate: number;
  achievedRate: number;
  toStart: LatencyPercentiles;
  toResult: LatencyPercentiles;
}

/**
 * Offered rate: sends per second over the send window (n sends make n − 1 intervals). Achieved
 * rate: results per second from the first send to the last result. A system that keeps up
 * finishes one latency after the last send, so its achieved rate is a little under the offered
 * one; one that falls behind drains its backlog after the last send, and its achieved rate drops.
 * @example
 * levelFigures({ firstAt: 0, lastAt: 999, sent: 1000 }, stamps);
 */
export function levelFigures(sends: { firstAt: number; lastAt: number; sent: number }, stamps: readonly TaskStamps[]): LevelFigures {
  const window = sends.lastAt - sends.firstAt;
  const offeredRate = sends.sent > 1 && window > 0 ? ((sends.sent - 1) * 1000) / window : Number.NaN;
  const lastResult = stamps.reduce((last, s) => Math.max(last, s.resultAt), Number.NEGATIVE_INFINITY);
  const span = lastResult - sends.firstAt;
  const achievedRate = stamps.length > 0 && span > 0 ? (stamps.length * 1000) / span : Number.NaN;
  return {
    offeredRate,
    achievedRate,
    toStart: latencyPercentiles(stamps.map((s) => s.startedAt - s.sentAt)),
    toResult: latencyPercentiles(stamps.map((s) => s.resultAt - s.sentAt)),
  };
}
