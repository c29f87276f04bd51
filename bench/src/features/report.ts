/** The features table: each row's throughput, its ratio to its baseline, and what it cost per task. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { FeatureFigures, FeaturesResults } from './results.js';

/** A row's median throughput over its baseline's (the same run), or null when the baseline failed. */
export function featureRatio(rows: readonly FeatureFigures[], row: FeatureFigures): number | null {
  return ratio(row.rate.median, rows.find((r) => r.id === row.baseline)?.rate.median);
}

/** The Markdown section of the features rows. */
export function renderFeatures(features: FeaturesResults): string {
  const { sizes } = features;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const rows = features.rows.map((row) =>
    line([
      row.id,
      row.pool,
      String(row.concurrency),
      formatSummary(row.rate),
      row.baseline === row.id ? '—' : row.baseline,
      formatRatio(featureRatio(features.rows, row)),
      formatSummary(row.workerCpuUs),
      formatSummary(row.redisCpuUs),
      formatNumber(row.peakRssBytes / 2 ** 20),
      row.check || '—',
    ]),
  );
  const errors = features.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  return [
    `### The cost of each feature — Celerity against itself, tasks/s (higher is better)`,
    '',
    `One worker process per row on the bench's Redis (broker and results), \`add(x, y)\` × ${formatNumber(sizes.jobs)} per repetition, results kept; one feature on per row, the others at their defaults. The worker is started and idle when the clock starts (the tasks are moved onto its queue then) and the clock stops at the last stored result. After one untimed run each, ${sizes.reps} repetitions go round the rows, in reverse order every other repetition. \`eta-held\`: the worker holds ${formatNumber(sizes.heldEta)} tasks whose ETA is a day ahead (not parked) throughout. \`rate-limit\`: \`add\` limited to 1,000,000/s, far above the throughput. \`tracing\`: an OpenTelemetry SDK provider (batch processor, async-hooks context manager) whose exporter drops every span. Pool rows are compared with the async pool at the same concurrency. Worker CPU counts the worker process and, for the processes pool, its children (/proc); peak RSS is the worker's VmHWM plus, for the processes pool, the sum of its children's.`,
    '',
    line(['row', 'pool', 'concurrency', 'tasks/s', 'compared with', '×', 'worker CPU µs/task', 'Redis CPU µs/task', 'peak RSS MiB', 'checked']),
    line(['---', '---', '---:', '---:', '---', '---:', '---:', '---:', '---:', '---']),
    ...rows,
    ...(errors.length > 0 ? ['', 'Failed rows:', ...errors] : []),
  ].join('\n');
}
