/** The Python Celery table: Python Celery's worker beside Celerity's at the same concurrency, and the target. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { PythonPeerResults, PythonPeerRow } from './results.js';

/** Celerity's processing rate must be at least this many times Python Celery's prefork worker's. */
export const PYTHON_PREFORK_TARGET = 20;

/** Celerity's processing rate over Python Celery's prefork worker's at the same concurrency; null when either is missing. */
export function preforkRatio(results: PythonPeerResults): { concurrency: number; ratio: number } | null {
  const python = results.rows.find((r) => r.worker === 'python-celery' && r.pool === 'prefork');
  if (!python) return null;
  const celerity = results.rows.find((r) => r.worker === 'celerity' && r.concurrency === python.concurrency);
  const value = ratio(celerity?.throughput?.median, python.throughput?.median);
  return value === null ? null : { concurrency: python.concurrency, ratio: value };
}

/** The Markdown section of the Python rows. */
export function renderPythonPeer(results: PythonPeerResults): string {
  const { sizes } = results;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const celerityAt = (row: PythonPeerRow): PythonPeerRow | undefined => results.rows.find((r) => r.worker === 'celerity' && r.concurrency === row.concurrency);
  const rows = results.rows.map((r) => {
    const celerity = r.worker === 'python-celery' ? celerityAt(r) : undefined;
    return line([
      r.worker === 'python-celery' ? 'Python Celery' : 'Celerity',
      r.pool,
      String(r.concurrency),
      formatNumber(r.jobs),
      formatSummary(r.throughput),
      celerity ? formatRatio(ratio(celerity.throughput?.median, r.throughput?.median)) : '',
      formatSummary(r.cpuUsPerTask),
      r.peakRssBytes === undefined ? '—' : formatNumber(r.peakRssBytes / 2 ** 20),
      formatSummary(r.roundTrip?.p50),
      formatSummary(r.roundTrip?.p99),
    ]);
  });
  const target = preforkRatio(results);
  const targetLine =
    target === null
      ? []
      : ['', `Target: Celerity ≥ ${PYTHON_PREFORK_TARGET}× Python Celery's prefork worker (processing, concurrency ${target.concurrency} each): ${formatRatio(target.ratio)}, ${target.ratio >= PYTHON_PREFORK_TARGET ? 'met' : '**missed**'}.`];
  const version = 'celery' in results.python ? `Python Celery ${results.python.celery}` : `Python Celery did not run: ${results.python.unavailable}`;
  const errors = results.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  return [
    '### Python Celery — tasks/s (higher is better) and round trip ms (lower is better)',
    '',
    `${version} (\`bench/python/plain_app.py\`, log level WARNING, Redis broker and result backend, default prefetch multiplier 4) and Celerity's worker (its own process, async pool) at the same concurrency, both running \`tasks.add\` sent by Celerity's client to the bench's Redis. Processing: pre-enqueued tasks, clock from the go to the last stored result (for Python, a \`RENAME\` hands the filled list to the waiting worker and a subscriber counts the results Celery publishes as it stores them), stored results counted; one untimed run of a fifth as many tasks (at least 200) first, then ${sizes.reps} repetitions alternating between the two workers. CPU counts all of the worker's processes (a prefork pool's children included), peak RSS is the sum of their VmHWM. Round trip: one task sent and its result awaited, in a row, at least ${formatNumber(sizes.roundTrips)} times and ${formatNumber(sizes.roundTripMinMs)} ms per repetition, after ${formatNumber(sizes.roundTripWarmup)} of warm-up.`,
    '',
    line(['worker', 'pool', 'concurrency', 'tasks per run', 'tasks/s', 'Celerity ×', 'CPU µs/task', 'peak RSS MiB', 'round trip p50', 'p99']),
    line(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    ...targetLine,
    ...(errors.length > 0 ? ['', 'Failed runs:', ...errors] : []),
  ].join('\n');
}
