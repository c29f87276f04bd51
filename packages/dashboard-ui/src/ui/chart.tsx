/**
 * One Chart.js chart on a canvas, made once and updated in place as new series arrive (no
 * animation: a live chart that re-animates every 5 s only distracts). Only the controllers and
 * scales used are registered, which keeps the bundle small.
 */
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { ChartConfiguration, ChartData, ChartType, DefaultDataPoint } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { formatClock } from './format.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip);


/** A linear x axis of epoch seconds, labelled as clock times. */
export const timeAxis = { type: 'linear' as const, ticks: { callback: (value: string | number) => formatClock(Number(value)), maxTicksLimit: 6 } };

interface ChartViewProps<T extends ChartType, D> {
  id: string;
  title: string;
  type: T;
  data: ChartData<T, D>;
  options: ChartConfiguration<T, D>['options'];
  /** Points with a value, put in `data-points` so a test (or a person) sees the chart has data. */
  points: number;
}

export function ChartView<T extends ChartType, D = DefaultDataPoint<T>>({ id, title, type, data, options, points }: ChartViewProps<T, D>) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<T, D> | null>(null);

  useEffect(() => {
    if (canvas.current === null) return;
    chart.current = new Chart<T, D>(canvas.current, { type, data, options: { animation: false, responsive: true, maintainAspectRatio: false, ...options } as ChartConfiguration<T, D>['options'] });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
    // the chart is made once per type; data changes go through update() below
  }, [type]);

  useEffect(() => {
    const current = chart.current;
    if (current === null) return;
    current.data = data;
    current.options = { animation: false, responsive: true, maintainAspectRatio: false, ...options } as typeof current.options;
    current.update('none');
  }, [data, options]);

  return (
    <figure class="chart" id={id} data-points={points}>
      <figcaption>{title}</figcaption>
      <div class="chart-body">
        <canvas ref={canvas} aria-label={title} role="img" />
      </div>
    </figure>
  );
}
