/** The pool table: tasks/s of Celerity's worker per pool, with each row's ratio to the async pool. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { PoolsResults } from './results.js';

/** The Markdown section of the pool rows. */
export function renderPools(pools: PoolsResults): string {
  const { sizes } = pools;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const rows = pools.rows.map((row) => {
    const base = pools.rows.find((r) => r.pool === 'async' && r.task === row.task && r.concurrency === row.concurrency);
    return line([row.task, row.pool, String(row.concurrency), formatSummary(row.rate), formatRatio(ratio(row.rate.median, base?.rate.median)), formatNumber(row.workerCpuUs.median)]);
  });
  const errors = pools.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  return [
    `### Celerity's pools — tasks/s (higher is better)`,
    '',
    `One worker on the bench's Redis per (pool, concurrency), ${sizes.reps} repetitions. no-op: \`add(x, y)\` × ${formatNumber(sizes.noopJobs)}; cpu: \`fib(${formatNumber(sizes.cpuSteps)})\`, a synchronous loop, × ${formatNumber(sizes.cpuJobs)}. The time includes starting the pool's children. Worker CPU counts the worker process only (a process pool's children are left out).`,
    '',
    line(['task', 'pool', 'concurrency', 'tasks/s', '× async', 'worker CPU µs/task']),
    line(['---', '---', '---:', '---:', '---:', '---:']),
    ...rows,
    ...(errors.length > 0 ? ['', 'Failed rows:', ...errors] : []),
  ].join('\n');
}
