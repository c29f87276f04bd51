/** The RabbitMQ table and Celerity's RabbitMQ targets, with ratios to raw amqplib from the same run. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { TargetCheck } from '../targets.js';
import { MINIMAL_KEY, baselineKey } from './results.js';
import type { AmqpResults, AmqpRow } from './results.js';

const MEASURES: Record<AmqpRow['measure'], string> = {
  'publish-one': 'publish, each awaited',
  'publish-bulk': 'publish, pipelined',
  process: 'process',
};

/** A Markdown table whose first `left` columns are text (left-aligned), the rest figures. */
function table(header: string[], rows: string[][], left = 1): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < left ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function baseline(amqp: AmqpResults, row: AmqpRow): number | undefined {
  return amqp.rows.find((r) => r.key === baselineKey(row))?.rate.median;
}

/**
 * Celerity's two RabbitMQ targets: publish (sendMany vs pipelined raw publish of the same message,
 * ≥ 1.0×, issue 19) and process (concurrency 25, prefetch 100, vs raw prefetch 100, ≥ 0.8×).
 * @example
 * for (const t of checkAmqpTargets(results.amqp)) console.log(t.what, t.met);
 */
export function checkAmqpTargets(amqp: AmqpResults): TargetCheck[] {
  const targets: Array<[string, string, number]> = [
    ['RabbitMQ publish (sendMany vs raw amqplib with confirms)', 'celerity/publish-bulk', 1.0],
    ['RabbitMQ process (concurrency 25 vs raw amqplib prefetch 100)', 'celerity/process/25', 0.8],
  ];
  return targets.map(([what, key, goal]) => {
    const row = amqp.rows.find((r) => r.key === key);
    const value = row ? ratio(row.rate.median, baseline(amqp, row)) : null;
    return { what, goal: `≥ ${goal.toFixed(1)}×`, ratio: value, met: value === null ? null : value >= goal };
  });
}

/**
 * The RabbitMQ section of `latest.md`: one table, then the targets.
 * @example
 * const markdown = renderAmqp(results.amqp);
 */
export function renderAmqp(amqp: AmqpResults): string {
  const s = amqp.sizes;
  const n = (value: number): string => value.toLocaleString('en-US');
  const rows = amqp.rows.map((row) => [
    row.system,
    MEASURES[row.measure],
    row.setting,
    formatSummary(row.rate),
    formatRatio(ratio(row.rate.median, baseline(amqp, row))),
    formatSummary(row.workerCpuUs ?? row.clientCpuUs),
    row.peakRssBytes === undefined ? '—' : formatNumber(row.peakRssBytes / 2 ** 20),
  ]);
  const intro =
    `RabbitMQ ${amqp.rabbitmq} (the shared server, a fresh vhost for this run), persistent messages to a durable classic queue. ` +
    `Publishing: raw amqplib sends the message Celerity's client sends for the same task (same headers, properties and body); ${n(s.publishOne)} sends each awaited (celery-node: ${n(s.celeryNodePublish)}), then ${n(s.publishBulk)} in batches of ${n(s.bulkBatch)}, all with publisher confirms except celery-node (it has none). ` +
    `Processing: ${n(s.processJobs)} queued \`add(x, y)\` tasks, worker in its own process, no results kept except by celery-node (it always stores them, here in the bench's Redis); early acks. ` +
    `Median of ${s.reps} repetitions (min–max). "×" compares with raw amqplib's pipelined publish, its awaited publish, or its consume at prefetch 100. ` +
    `CPU µs/msg (user + system): of the publishing process (the bench itself) for publish rows, of the worker process for process rows.`;
  const checks = checkAmqpTargets(amqp).filter((t) => t.ratio !== null);
  const targets = checks.length === 0 ? '' : `\n\n${table(['target', 'goal', 'measured', ''], checks.map((t) => [t.what, t.goal, formatRatio(t.ratio), t.met ? 'met' : '**missed**']))}`;
  const celerityBulk = amqp.rows.find((r) => r.key === 'celerity/publish-bulk')?.rate.median;
  const minimal = ratio(celerityBulk, amqp.rows.find((r) => r.key === MINIMAL_KEY)?.rate.median);
  const vsMinimal = minimal === null ? '' : `\n\nThe publish target compares messages of the same shape (the headers and body Celerity sends). Against the minimal message, which has no headers, Celerity's pipelined publish is ${formatRatio(minimal)}.`;
  const errors = amqp.errors.length === 0 ? '' : `\n\nFailed: ${amqp.errors.map((e) => `${e.system} ${e.what}: ${e.message.split('\n')[0]}`).join('; ')}`;
  return `### 5. RabbitMQ — messages/s (higher is better)\n\n${intro}\n\n${table(['system', 'measure', 'setting', 'msgs/s', '× raw amqplib', 'CPU µs/msg', 'peak RSS MiB'], rows, 3)}${targets}${vsMinimal}${errors}`;
}
