/** The scale table: one worker process against two, and the CPU per task that bounds them. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import { ceilings } from './measure.js';
import type { ScaleResults } from './results.js';

/** Two processes' median throughput over one's, or null when either setup failed. */
export function scalingFactor(scale: ScaleResults): number | null {
  const one = scale.rows.find((r) => r.processes === 1);
  const two = scale.rows.find((r) => r.processes === 2);
  return ratio(two?.rate.median, one?.rate.median);
}

/** The Markdown section of the scale rows. */
export function renderScale(scale: ScaleResults): string {
  const { sizes } = scale;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const one = scale.rows.find((r) => r.processes === 1);
  const rows = scale.rows.map((row) => {
    const bound = ceilings({ workerCpuUs: row.workerCpuUs.median, redisCpuUs: row.redisCpuUs.median }, scale.cores);
    return line([
      String(row.processes),
      formatSummary(row.rate),
      formatRatio(ratio(row.rate.median, one?.rate.median)),
      formatSummary(row.workerCpuUs),
      formatSummary(row.redisCpuUs),
      formatSummary(row.redisCoreShare),
      formatNumber(bound.redis),
      formatNumber(bound.machine),
    ]);
  });
  const errors = scale.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  return [
    `### Two worker processes against one — tasks/s (higher is better)`,
    '',
    `Celerity workers (each its own process, concurrency ${sizes.concurrency} each, defaults otherwise) on one queue of the bench's Redis, \`add(x, y)\` × ${formatNumber(sizes.jobs)} per repetition, results kept; the workers are idle on an empty queue when the clock starts (the tasks are moved onto it then), and it stops when Redis holds every result (polled every 5 ms). After one untimed run each, ${sizes.reps} repetitions, the order of the two setups alternating. The machine has ${scale.cores} CPUs, shared by Redis, the workers and the bench. Redis runs commands on one thread: the *Redis-bound* ceiling is 10⁶ / its µs per task; the *machine-bound* one is ${scale.cores} × 10⁶ / (workers' + Redis's µs per task), both from the row's medians.`,
    '',
    line(['worker processes', 'tasks/s', '× one process', 'worker CPU µs/task (all processes)', 'Redis CPU µs/task', 'Redis CPU / wall time (cores)', 'Redis-bound tasks/s', 'machine-bound tasks/s']),
    line(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    ...(errors.length > 0 ? ['', 'Failed rows:', ...errors] : []),
  ].join('\n');
}
