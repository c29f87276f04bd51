/**
 * The plots of `api/series`: throughput and failure rate over time, runtime percentiles per task
 * name, queue depth over time. Each chart carries `data-points` (the points it drew with a value).
 */
import type { ChartData } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { ChartView, PALETTE, timeAxis } from '../chart.js';
import type { Series } from '../contract.js';

type Point = { x: number; y: number | null };

/** Light to dark blue for p50, p90, p99: one measure at three depths, not three unrelated series (and not the failures' red). */
const PERCENTILE_SHADES = ['#93c5fd', '#3b82f6', '#1e3a8a'];

export interface PlotData {
  throughput: ChartData<'line', Point[]>;
  failureRate: ChartData<'line', Point[]>;
  runtime: ChartData<'bar', number[]>;
  queueDepth: ChartData<'line', Point[]>;
  points: { throughput: number; failureRate: number; runtime: number; queueDepth: number };
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
  const line = (label: string, data: Point[], colour: string, fill = false) => ({ label, data, borderColor: colour, backgroundColor: `${colour}33`, pointRadius: 2, fill, spanGaps: false });
  return {
    throughput: {
      datasets: [
        line('succeeded', series.throughput.map((p) => ({ x: p.t, y: p.succeeded })), PALETTE[2] ?? 'green', true),
        line('failed', series.throughput.map((p) => ({ x: p.t, y: p.failed })), PALETTE[1] ?? 'red', true),
      ],
    },
    failureRate: {
      datasets: [line('failed %', series.throughput.map((p) => ({ x: p.t, y: p.succeeded + p.failed > 0 ? (100 * p.failed) / (p.succeeded + p.failed) : null })), PALETTE[1] ?? 'red')],
    },
    runtime: {
      labels: series.runtime.map((r) => r.name),
      datasets: (['p50', 'p90', 'p99'] as const).map((key, i) => ({ label: key, data: series.runtime.map((r) => r[key]), backgroundColor: PERCENTILE_SHADES[i] ?? 'grey' })),
    },
    queueDepth: { datasets: [...byQueue].map(([queue, points], i) => line(queue, points, PALETTE[i % PALETTE.length] ?? 'grey')) },
    points: {
      throughput: busy.length,
      failureRate: busy.length,
      runtime: series.runtime.filter((r) => r.count > 0).length,
      queueDepth: series.queueDepth.length,
    },
  };
}

export function Plots({ series }: { series: Series | null }) {
  const data = useMemo(() => (series === null ? null : plotData(series)), [series]);
  if (data === null || series === null) return <p class="muted">Waiting for the first series…</p>;
  const perStep = `per ${series.step} s`;
  return (
    <section class="plots" aria-label="plots">
      <ChartView id="plot-throughput" title={`Throughput (tasks ${perStep})`} type="line" data={data.throughput} points={data.points.throughput} options={{ scales: { x: timeAxis, y: { beginAtZero: true } } }} />
      <ChartView id="plot-failure-rate" title={`Failure rate (% of finished, ${perStep})`} type="line" data={data.failureRate} points={data.points.failureRate} options={{ scales: { x: timeAxis, y: { beginAtZero: true, suggestedMax: 100 } } }} />
      <ChartView id="plot-runtime" title="Runtime percentiles per task (s)" type="bar" data={data.runtime} points={data.points.runtime} options={{ scales: { y: { beginAtZero: true } } }} />
      <ChartView id="plot-queue-depth" title="Queue depth" type="line" data={data.queueDepth} points={data.points.queueDepth} options={{ scales: { x: timeAxis, y: { beginAtZero: true } } }} />
    </section>
  );
}
