/** The latency table: per system and load level, offered vs achieved rate and latency percentiles. */
import { formatNumber } from '../format.js';
import type { LatencyResults } from './results.js';

/** The Markdown section of the latency rows. */
export function renderLatency(results: LatencyResults): string {
  const { sizes } = results;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '—');
  const rows = results.rows.flatMap((row) =>
    row.levels.map((l, i) =>
      line([
        i === 0 ? row.system : '',
        i === 0 ? row.worker : '',
        i === 0 ? formatNumber(row.workerMaxRate) : '',
        i === 0 ? formatNumber(row.maxRate) : '',
        `${Math.round(l.share * 100)}%`,
        formatNumber(l.targetRate),
        formatNumber(l.offeredRate),
        formatNumber(l.achievedRate),
        ms(l.toStart.p50),
        ms(l.toStart.p99),
        ms(l.toStart.p999),
        ms(l.toResult.p50),
        ms(l.toResult.p99),
        ms(l.toResult.p999),
        ms(l.producerLateP99),
        l.completed === l.sent ? formatNumber(l.sent) : `${formatNumber(l.completed)} of ${formatNumber(l.sent)}`,
      ]),
    ),
  );
  const errors = results.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  const short = results.rows.flatMap((row) =>
    row.levels
      .filter((l) => l.completed < l.sent)
      .map((l) => {
        const missing = l.sent - l.completed - l.failed;
        const parts = [`${formatNumber(l.sent - l.completed)} of ${formatNumber(l.sent)} without a result`, ...(l.failed > 0 ? [`${formatNumber(l.failed)} failed (first: ${(l.firstError ?? '').split('\n')[0]})`] : []), ...(missing > 0 ? [`${formatNumber(missing)} still waiting when the run timed out`] : [])];
        return `- ${row.system} at ${Math.round(l.share * 100)}%: ${parts.join('; ')}. Its percentiles cover the tasks whose result came.`;
      }),
  );
  return [
    '### Latency under a steady load — ms (lower is better)',
    '',
    `Each system's maximum, twice: the worker alone (tasks/s of a timed run of ${formatNumber(sizes.maxJobs)} pre-enqueued tasks, ${formatNumber(sizes.pythonMaxJobs)} for Python Celery, results kept, after an untimed run of half as many), and with the producer in the loop (as many sends, each awaited until the producer holds its result, ${formatNumber(sizes.loopWindow)} in flight, after a quarter as many untimed). The producer shares the two cores with the worker and Redis, so the levels are shares of the second. Then a paced producer in the bench process sends one task at a time, on a schedule computed from the start (a late timer never delays the rest), at ${sizes.shares.map((s) => `${Math.round(s * 100)}%`).join(', ')} of that maximum for ${formatNumber(sizes.durationMs / 1000)} s each, after 1 s at the lowest share (not recorded); workers at concurrency ${sizes.concurrency}, in their own process. The task returns the time its body started; *to start* runs from the producer's send call to that time, *to result* to the moment the producer holds the result; all stamps on CLOCK_MONOTONIC (Node's \`process.hrtime\`, Python's \`time.monotonic_ns()\`), one clock for every process of the machine. Offered: sends per second the producer achieved; achieved: results per second from the first send to the last result; late p99: how late the producer's sends were against their schedule. One run per level; with fewer than 1,000 tasks, p99.9 is the slowest task.`,
    '',
    line(['system', 'worker', 'worker alone max/s', 'with producer max/s', 'load', 'asked/s', 'offered/s', 'achieved/s', 'to start p50', 'p99', 'p99.9', 'to result p50', 'p99', 'p99.9', 'late p99', 'tasks']),
    line(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    ...(short.length > 0 ? ['', 'Levels where results were missing:', ...short] : []),
    ...(errors.length > 0 ? ['', 'Failed runs:', ...errors] : []),
  ].join('\n');
}
