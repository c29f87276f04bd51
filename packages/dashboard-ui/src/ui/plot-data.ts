/** The charts' datasets from one `api/series` answer (no DOM, no Chart.js instance: unit-tested). */
import type { ChartData } from 'chart.js';
import { PALETTE } from './palette.js';
import type { Series } from './contract.js';

export type Point = { x: number; y: number | null };

/** Light to dark blue for p50, p90, p99: one measure at three depths, not three unrelated series (and not the failures' red). */
const PERCENTILE_SHADES = ['#93c5fd', '#3b82f6', '#1e3a8a'];

export interface PlotData {
  throughput: ChartData<'line', Point[]>;
  failureRate: ChartData<'line', Point[]>;
  runtime: ChartData<'bar', number[]>;
  queueDepth: ChartData<'line', Point[]>;
  points: { throughput: number; failureRate: number; runtime: number; queueDepth: number };
  /** One time range for the three time charts, so they line up (and one sample does not stretch an axis over days). */
  window: { min: number; max: number };
}

/** The span of every time in the series, widened by a step on each side when it is a single instant; the last 15 minutes before `now` when empty. */
export function timeWindow(series: Series, now: number = Date.now() / 1000): { min: number; max: number } {
  const times = [...series.throughput.map((p) => p.t), ...series.queueDepth.map((p) => p.t)];
  if (times.length === 0) return { min: now - 15 * 60, max: now };
  const min = Math.min(...times);
  const max = Math.max(...times);
  return min === max ? { min: min - series.step, max: max + series.step } : { min, max };
}

/** The charts' datasets from one series answer. */
export function plotData(series: Series): PlotData {
  const busy = series.throughput.filter((p) => p.succeeded + p.failed > 0);
  const byQueue = new Map<string, Point[]>();
  for (const p of series.queueDepth) {
    const points = byQueue.get(p.queue) ?? [];
    points.push({ x: p.t, y: p.depth });
    byQueue.set(p.queue, points);
  }
  // dots only where they can be told apart; a 15-minute window of 10 s buckets is a plain line
  const line = (label: string, data: Point[], colour: string, fill = false) => ({ label, data, borderColor: colour, backgroundColor: `${colour}33`, pointRadius: data.length > 30 ? 0 : 2, fill, spanGaps: false });
  // The failure rate has a value only where tasks finished: a lone value between gaps draws no line, so always a dot.
  const dotted = (label: string, data: Point[], colour: string) => ({ ...line(label, data, colour), pointRadius: 3 });
  return {
    throughput: {
      datasets: [
        line('succeeded', series.throughput.map((p) => ({ x: p.t, y: p.succeeded })), PALETTE[2] ?? 'green', true),
        line('failed', series.throughput.map((p) => ({ x: p.t, y: p.failed })), PALETTE[1] ?? 'red', true),
      ],
    },
    failureRate: {
      datasets: [dotted('failed %', series.throughput.map((p) => ({ x: p.t, y: p.succeeded + p.failed > 0 ? (100 * p.failed) / (p.succeeded + p.failed) : null })), PALETTE[1] ?? 'red')],
    },
    runtime: {
      labels: series.runtime.map((r) => r.name),
      datasets: (['p50', 'p90', 'p99'] as const).map((key, i) => ({ label: key, data: series.runtime.map((r) => r[key]), backgroundColor: PERCENTILE_SHADES[i] ?? 'grey' })),
    },
    queueDepth: { datasets: [...byQueue].map(([queue, points], i) => line(queue, points, PALETTE[i % PALETTE.length] ?? 'grey')) },
    window: timeWindow(series),
    points: {
      throughput: busy.length,
      failureRate: busy.length,
      runtime: series.runtime.filter((r) => r.count > 0).length,
      queueDepth: series.queueDepth.length,
    },
  };
}
