/** The PostgreSQL section of the report: graphile-worker and pg-boss beside BullMQ and Celerity of the same run. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import type { BenchResults } from '../results.js';
import { ratio } from '../stats.js';
import type { PgResults } from './results.js';

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Who ran a row: `v22.x` or `producer v20.x, worker v22.x`. */
function nodeOf(row: PgResults['rows'][number]): string {
  if (!row.producerNode && !row.workerNode) return '—';
  return row.producerNode === row.workerNode ? row.producerNode! : `producer ${row.producerNode ?? '—'}, worker ${row.workerNode ?? '—'}`;
}

/** The Markdown section of the PostgreSQL part; `run` gives BullMQ's and Celerity's figures from the same invocation. */
export function renderPg(pg: PgResults, run: BenchResults): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const { sizes } = pg;
  const bull = 'bullmq';
  const parts: string[] = [
    `### PostgreSQL peers: graphile-worker and pg-boss`,
    `On the machine's PostgreSQL ${pg.postgres}, in a database made for the run (\`${pg.database || '—'}\`) and dropped after it. Producers and workers run in child processes of their own, on ${pg.node || 'the bench\'s own Node'}; the Node that ran each row is in the tables (the bench itself, BullMQ and Celerity run on Node ${run.machine.node}). BullMQ's and Celerity's figures are those of the Redis scenarios of this invocation, measured before this part. ${sizes.reps} repetitions per figure, going round the rows.`,
  ];
  const enqueueRows = pg.rows.filter((r) => pg.enqueue[r.name]);
  if (enqueueRows.length > 0) {
    const base = run.enqueue[bull];
    const cel = run.enqueue.celerity;
    const rows = enqueueRows.map((r) => {
      const f = pg.enqueue[r.name]!;
      return [r.name, formatSummary(f.one), formatRatio(ratio(f.one?.median, base?.one?.median)), formatRatio(ratio(cel?.one?.median, f.one?.median)), formatSummary(f.bulk), formatRatio(ratio(f.bulk?.median, base?.bulk?.median)), formatRatio(ratio(cel?.bulk?.median, f.bulk?.median)), nodeOf(r)];
    });
    parts.push(`**Enqueue — jobs/s** (higher is better): ${n(sizes.enqueueOne)} jobs one at a time (each awaited; graphile-worker \`addJob\`, pg-boss \`send\`), ${n(sizes.enqueueBulk)} in bulk, ${n(sizes.bulkBatch)} per call (graphile-worker \`addJobs\`, pg-boss \`insert\`). "Celerity ×" is Celerity's figure over the row's.\n\n${table(['system', 'one at a time', '× BullMQ', 'Celerity ×', 'bulk', '× BullMQ', 'Celerity ×', 'Node'], rows)}`);
  }
  const processRows = pg.rows.filter((r) => pg.process[r.name]);
  if (processRows.length > 0) {
    const levels = sizes.concurrency.map(String);
    const top = levels.at(-1)!;
    const base = run.process[bull];
    const cel = run.process.celerity;
    const rows = processRows.map((r) => {
      const f = pg.process[r.name]!;
      const cells = [r.name];
      for (const level of levels) cells.push(formatSummary(f[level]?.throughput), formatRatio(ratio(f[level]?.throughput.median, base?.[level]?.throughput.median)), formatRatio(ratio(cel?.[level]?.throughput.median, f[level]?.throughput.median)));
      const t = f[top];
      cells.push(t ? formatNumber(t.peakRssBytes / 2 ** 20) : '—', formatSummary(t?.workerCpuUs), formatSummary(t?.postgresCpuUs), nodeOf(r));
      return cells;
    });
    const header = ['system', ...levels.flatMap((l) => [`c=${l}`, '× BullMQ', 'Celerity ×']), `peak RSS MiB (c=${top})`, `worker CPU µs/job (c=${top})`, `PostgreSQL CPU µs/job (c=${top})`, 'Node'];
    parts.push(`**Processing — jobs/s** (higher is better): ${n(sizes.processJobs)} jobs queued in bulk beforehand, a worker in its own process at concurrency c, clock from its start to the last job done (see each row's notes for what "done" keeps); "Celerity ×" is Celerity's figure over the row's (above 1: Celerity processed more). PostgreSQL CPU is the server's: every \`postgres\` process's user + system time from \`/proc\`, with what the postmaster collected from backends that exited (other work on the server counts too), per job. BullMQ and Celerity processed ${n(run.config.processJobs)} jobs per run.\n\n${table(header, rows)}`);
  }
  const rtRows = pg.rows.filter((r) => pg.roundTrip[r.name]);
  if (rtRows.length > 0) {
    const base = run.roundTrip[bull];
    const cel = run.roundTrip.celerity;
    const rows = rtRows.map((r) => {
      const f = pg.roundTrip[r.name]!;
      return [r.name, formatSummary(f.p50), formatRatio(ratio(f.p50.median, base?.p50.median)), formatRatio(ratio(cel?.p50.median, f.p50.median)), formatSummary(f.p99), formatRatio(ratio(f.p99.median, base?.p99.median)), f.samples.map(String).join(', '), nodeOf(r)];
    });
    parts.push(`**Round trip — ms** (lower is better): send one \`add\` and wait until the producer sees its result, at least ${n(sizes.roundTrips)} times and ${n(sizes.roundTripMinMs)} ms per repetition (at most ${n(sizes.roundTripMaxMs)} ms), after a warm-up of ${n(sizes.roundTripWarmup)} round trips; worker at concurrency ${sizes.roundTripConcurrency}, every row's worker up throughout. How the producer waits is in each row's notes; "Celerity ×" is Celerity's p50 over the row's (below 1: Celerity's answer came sooner).\n\n${table(['system', 'p50', '× BullMQ', 'Celerity ×', 'p99', '× BullMQ', 'round trips per rep', 'Node'], rows)}`);
  }
  parts.push(pg.rows.map((r) => `- **${r.name}** (${r.label}). Settings: ${r.settings} Round trip: ${r.roundTrip}. Results kept: ${r.results}.`).join('\n'));
  if (pg.errors.length > 0) parts.push(['Failed runs:', ...pg.errors.map((e) => `- ${e.row}, ${e.scenario}: ${e.message.split('\n')[0]}`)].join('\n'));
  return parts.join('\n\n');
}
