/** Renders a run's results as Markdown tables with ratios against BullMQ from the same run. */
import type { WithAmqp } from './amqp/results.js';
import { renderAmqp } from './amqp/report.js';
import type { WithRateLimit } from './rate-limit/results.js';
import { renderRateLimit } from './rate-limit/report.js';
import type { WithPools } from './pools/results.js';
import { renderPools } from './pools/report.js';
import type { WithEvents } from './events/results.js';
import { renderEvents } from './events/report.js';
import type { WithCanvas } from './canvas/results.js';
import { renderCanvas } from './canvas/report.js';
import type { WithBeat } from './beat/results.js';
import type { WithAmqpCluster } from './amqp-cluster/results.js';
import { renderAmqpCluster } from './amqp-cluster/report.js';
import { renderBeat } from './beat/report.js';
import type { WithCluster } from './cluster/results.js';
import { renderCluster } from './cluster/report.js';
import type { WithPg } from './pg/results.js';
import { renderPg } from './pg/report.js';
import type { WithFeatures } from './features/results.js';
import { renderFeatures } from './features/report.js';
import type { WithFarEta } from './far-eta/results.js';
import { renderFarEta } from './far-eta/report.js';
import type { WithScale } from './scale/results.js';
import { renderScale } from './scale/report.js';
import type { WithPythonPeer } from './python-peer/results.js';
import { renderPythonPeer } from './python-peer/report.js';
import type { WithLatency } from './latency/results.js';
import { renderLatency } from './latency/report.js';
import type { BenchResults } from './results.js';
import { ratio } from './stats.js';
import type { SystemName } from './system.js';
import { checkTargets } from './targets.js';
import { formatNumber, formatRatio, formatSummary } from './format.js';

const BASE: SystemName = 'bullmq';

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function systemsIn(results: BenchResults): SystemName[] {
  return results.systems.map((s) => s.name);
}

/** The scenario tables, RabbitMQ's included (no title, no machine line): used by latest.md and the README. */
export function renderTables(results: BenchResults & WithAmqp & WithRateLimit & WithPools & WithEvents & WithCanvas & WithBeat & WithCluster & WithAmqpCluster & WithPg & WithFeatures & WithFarEta & WithScale & WithPythonPeer & WithLatency): string {
  const parts: string[] = [];
  const names = systemsIn(results);
  const { config } = results;
  const n = (value: number): string => value.toLocaleString('en-US');

  if (Object.keys(results.enqueue).length > 0) {
    const base = results.enqueue[BASE];
    const rows = names.filter((s) => results.enqueue[s]).map((s) => {
      const f = results.enqueue[s]!;
      return [s, formatSummary(f.one), formatRatio(ratio(f.one?.median, base?.one?.median)), formatSummary(f.bulk), formatRatio(ratio(f.bulk?.median, base?.bulk?.median))];
    });
    parts.push(`### 1. Enqueue — jobs/s (higher is better)\n\n${n(config.enqueueOne)} jobs one at a time (each send awaited); ${n(config.enqueueBulk)} jobs in bulk, ${n(config.bulkBatch)} per call.\n\n${table(['system', 'one at a time', '× BullMQ', 'bulk', '× BullMQ'], rows)}`);
  }

  if (Object.keys(results.process).length > 0) {
    const levels = config.concurrency.map(String);
    const top = levels.at(-1)!;
    const base = results.process[BASE];
    const rows = names.filter((s) => results.process[s]).map((s) => {
      const f = results.process[s]!;
      const cells: string[] = [s];
      for (const level of levels) cells.push(formatSummary(f[level]?.throughput), formatRatio(ratio(f[level]?.throughput.median, base?.[level]?.throughput.median)));
      const t = f[top];
      cells.push(
        t ? formatNumber(t.peakRssBytes / 2 ** 20) : '—',
        formatRatio(ratio(t?.peakRssBytes, base?.[top]?.peakRssBytes)),
        formatSummary(t?.workerCpuUs),
        formatSummary(t?.redisCpuUs),
        formatSummary(t?.redisCommands),
      );
      return cells;
    });
    const header = ['system', ...levels.flatMap((l) => [`c=${l}`, '×']), `peak RSS MiB (c=${top})`, '×', `worker CPU µs/job (c=${top})`, `Redis CPU µs/job (c=${top})`, `Redis cmds/job (c=${top})`];
    parts.push(`### 2. Processing — jobs/s (higher is better)\n\n${n(config.processJobs)} pre-enqueued \`add(x, y)\` jobs, results kept, worker in its own process (compiled, plain \`node\`) at concurrency c; clock from start to the last stored result. Peak RSS is the worker's VmHWM (lower is better).\n\n${table(header, rows)}`);
  }

  if (Object.keys(results.roundTrip).length > 0) {
    const base = results.roundTrip[BASE];
    const rows = names.filter((s) => results.roundTrip[s]).map((s) => {
      const f = results.roundTrip[s]!;
      return [s, formatSummary(f.p50), formatRatio(ratio(f.p50.median, base?.p50.median)), formatSummary(f.p99), formatRatio(ratio(f.p99.median, base?.p99.median)), f.samples.map(String).join(', ')];
    });
    parts.push(`### 3. Round trip — ms (lower is better)\n\nSend one task and wait for its result, in a row: at least ${n(config.roundTrips)} times and for at least ${n(config.roundTripMinMs)} ms per repetition (so every system's repetitions last about as long; at most ${n(config.roundTripMaxMs)} ms), after ${n(config.roundTripWarmup)} round trips (or ${n(config.roundTripMaxMs / 10)} ms) of warm-up; worker at concurrency ${config.roundTripConcurrency}. Every system's worker is up throughout and the repetitions are interleaved (one rep of each system in turn, the order rotated each rep), so a slow spell of the machine falls on all systems alike.\n\n${table(['system', 'p50', '× BullMQ', 'p99', '× BullMQ', 'round trips per rep'], rows)}`);
  }

  if (Object.keys(results.bytes).length > 0) {
    const base = results.bytes[BASE];
    const rows = names.filter((s) => results.bytes[s]).map((s) => {
      const f = results.bytes[s]!;
      return [s, formatSummary(f.queued), formatRatio(ratio(f.queued.median, base?.queued.median)), formatSummary(f.result), formatRatio(ratio(f.result.median, base?.result.median))];
    });
    parts.push(`### 4. Redis bytes per job (lower is better)\n\nSum of \`MEMORY USAGE\` over every key with ${n(config.bytesJobs)} jobs queued, then after all were processed with results kept, divided by the job count.\n\n${table(['system', 'per queued task', '× BullMQ', 'per stored result', '× BullMQ'], rows)}`);
  }
  if (results.amqp) parts.push(renderAmqp(results.amqp));
  if (results.rateLimit) parts.push(renderRateLimit(results.rateLimit));
  if (results.pools) parts.push(renderPools(results.pools));
  if (results.events) parts.push(renderEvents(results.events));
  if (results.canvas) parts.push(renderCanvas(results.canvas));
  if (results.beat) parts.push(renderBeat(results.beat));
  if (results.cluster) parts.push(renderCluster(results.cluster));
  if (results.amqpCluster) parts.push(renderAmqpCluster(results.amqpCluster));
  if (results.pg) parts.push(renderPg(results.pg, results));
  if (results.features) parts.push(renderFeatures(results.features));
  if (results.farEta) parts.push(renderFarEta(results.farEta));
  if (results.scale) parts.push(renderScale(results.scale));
  if (results.python) parts.push(renderPythonPeer(results.python));
  if (results.latency) parts.push(renderLatency(results.latency));
  return parts.join('\n\n');
}

/** Celerity's targets as a table (empty when Celerity or BullMQ did not run). */
export function renderTargets(results: BenchResults): string {
  const checks = checkTargets(results).filter((t) => t.ratio !== null);
  if (checks.length === 0) return '';
  const rows = checks.map((t) => [t.what, t.goal, formatRatio(t.ratio), t.met ? 'met' : '**missed**']);
  return `### Celerity against its targets (ratios to BullMQ in this run)\n\n${table(['target', 'goal', 'measured', ''], rows)}`;
}

/** What the CPUs were doing before each scenario, as a clause of the machine line. */
function quietNote(results: BenchResults): string {
  const m = results.machine;
  if (m.quiet === undefined || m.quiet.length === 0) return '';
  const parts = m.quiet.map((q) => `${q.scenario} ${q.busy === null ? '?' : `${Math.round(q.busy * 100)}%`}${q.waitedS >= 2 ? ` after ${Math.round(q.waitedS)} s` : ''}${q.quiet ? '' : ' (not quiet)'}`);
  return `; before each scenario the bench waits for the CPUs to be at most ${Math.round(results.config.quietThreshold * 100)}% busy, and they were: ${parts.join(', ')}`;
}

/** One line naming the machine and the run. */
export function renderMachine(results: BenchResults): string {
  const m = results.machine;
  return `${results.config.mode} run of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; Redis ${m.redis} (the bench's own server on loopback, no persistence); load average at start ${m.loadAverage}${quietNote(results)}. Each figure is the median of ${results.config.reps} repetitions (min–max).`;
}

/** The whole of `latest.md`. */
export function renderMarkdown(results: BenchResults): string {
  const notes = results.systems.flatMap((s) => s.notes.map((note) => `- **${s.name}** (${s.label}): ${note}`));
  const errors = results.errors.map((e) => `- ${e.system}, ${e.scenario}: ${e.message.split('\n')[0]}`);
  return [
    '# Celerity benchmark results',
    renderMachine(results),
    renderTables(results),
    renderTargets(results),
    notes.length > 0 ? `### Notes\n\n${notes.join('\n')}` : '',
    errors.length > 0 ? `### Errors\n\n${errors.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}
