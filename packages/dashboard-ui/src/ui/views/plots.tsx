/**
 * The plots of `api/series`: throughput and failure rate over time, runtime percentiles per task
 * name, queue depth over time. Each chart carries `data-points` (the points it drew with a value).
 */
import { useMemo } from 'preact/hooks';
import { ChartView, timeAxis } from '../chart.js';
import type { Series } from '../contract.js';
import { plotData } from '../plot-data.js';

export function Plots({ series }: { series: Series | null }) {
  const data = useMemo(() => (series === null ? null : plotData(series)), [series]);
  // Made again only with new data: ChartView applies changed options to its chart.
  const options = useMemo(() => {
    const x = { ...timeAxis, ...data?.window };
    return {
      throughput: { scales: { x, y: { beginAtZero: true } } },
      failureRate: { scales: { x, y: { beginAtZero: true, suggestedMax: 100 } } },
      runtime: { scales: { y: { beginAtZero: true } } },
      queueDepth: { scales: { x, y: { beginAtZero: true } } },
    };
  }, [data]);
  if (data === null || series === null) return <p class="muted">Waiting for the first series…</p>;
  const perStep = `per ${series.step} s`;
  return (
    <section class="plots" aria-label="plots">
      <ChartView id="plot-throughput" title={`Throughput (tasks ${perStep})`} type="line" data={data.throughput} points={data.points.throughput} options={options.throughput} />
      <ChartView id="plot-failure-rate" title={`Failure rate (% of finished, ${perStep})`} type="line" data={data.failureRate} points={data.points.failureRate} options={options.failureRate} />
      <ChartView id="plot-runtime" title="Runtime percentiles per task (s)" type="bar" data={data.runtime} points={data.points.runtime} options={options.runtime} />
      <ChartView id="plot-queue-depth" title="Queue depth" type="line" data={data.queueDepth} points={data.points.queueDepth} options={options.queueDepth} />
    </section>
  );
}
