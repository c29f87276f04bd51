/** The rate-limit table of `latest.md`, with its target: every row within 10% of its limit. */
import { formatSummary } from '../format.js';
import type { RateLimitResults } from './results.js';

/** A row meets the target when its median observed rate is within this fraction of the limit. */
export const RATE_LIMIT_TOLERANCE = 0.1;

/**
 * @example
 * const markdown = renderRateLimit(results.rateLimit);
 */
export function renderRateLimit(results: RateLimitResults): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const header = ['scope', 'workers', 'limit per bucket', 'expected tasks/s', 'observed tasks/s', 'off by', 'worst 1 s window', 'target ±10%'];
  const rows = results.rows.map((row) => {
    const off = (row.observed.median - row.expected) / row.expected;
    return line([
      row.scope,
      String(row.workers),
      `${row.limit}/s`,
      String(row.expected),
      formatSummary(row.observed),
      `${(off * 100).toFixed(1)}%`,
      `${(row.worstWindow.median * 100).toFixed(1)}%`,
      Math.abs(off) <= RATE_LIMIT_TOLERANCE ? 'met' : '**missed**',
    ]);
  });
  const intro =
    `A queue of tasks limited per worker (each worker its own bucket) or cluster-wide (one bucket in Redis for every worker), drained by Celerity workers at concurrency 10 on the bench's Redis, in the bench process. ` +
    `Observed: completions per second from the first to the last; worst window: the largest deviation of any 1 s window after the first second. Median of ${results.reps} repetition(s) (min–max).`;
  const errors = results.errors.length === 0 ? '' : `\n\nFailed: ${results.errors.map((e) => `${e.what}: ${e.message.split('\n')[0]}`).join('; ')}`;
  return `### Rate limits — accuracy\n\n${intro}\n\n${line(header)}\n${line(header.map((_, i) => (i === 0 ? '---' : '---:')))}\n${rows.join('\n')}${errors}`;
}
