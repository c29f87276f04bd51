/**
 * Celerity's targets over several full runs. Each complete full run appends one line to
 * `results/target-history.jsonl` (when it started, the load average, and every target's ratio); the
 * README's generated section shows the last runs side by side with the spread and how many met each
 * target, since the issue asks for targets judged over at least three full runs, not one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { checkAmqpTargets } from './amqp/report.js';
import { checkEventsTarget } from './events/report.js';
import type { WithEvents } from './events/results.js';
import type { WithAmqp } from './amqp/results.js';
import type { WithPg } from './pg/results.js';
import type { WithPythonPeer } from './python-peer/results.js';
import { formatRatio } from './format.js';
import type { BenchResults } from './results.js';
import { checkTargets } from './targets.js';
import type { TargetCheck } from './targets.js';

/** One full run's line in the history. */
export interface RunTargets {
  startedAt: string;
  /** The 1-minute load average when the run started. */
  load: number | null;
  checks: TargetCheck[];
}

type FullResults = BenchResults & WithPythonPeer & WithAmqp & WithEvents & WithPg;

/** Every target of one run: Redis, PostgreSQL, Python (targets.ts), RabbitMQ, events. */
export function allTargets(results: FullResults): TargetCheck[] {
  const checks = [...checkTargets(results)];
  if (results.amqp) checks.push(...checkAmqpTargets(results.amqp));
  if (results.events) checks.push(checkEventsTarget(results.events));
  return checks.filter((check) => check.ratio !== null);
}

/** The history line of a run. */
export function runTargets(results: FullResults): RunTargets {
  return { startedAt: results.startedAt, load: results.machine.loadAverage, checks: allTargets(results) };
}

/** Reads the history (one JSON object per line); a missing file is an empty history. */
export async function readTargetHistory(path: string): Promise<RunTargets[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunTargets);
}

/** Appends a run to the history and returns the whole history. */
export async function appendTargetHistory(path: string, run: RunTargets): Promise<RunTargets[]> {
  const history = [...(await readTargetHistory(path)), run];
  await writeFile(path, history.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return history;
}

/**
 * The last `count` runs as a Markdown table: each target's ratio per run (oldest first), the spread,
 * and in how many of those runs it was met. A target a run did not measure shows `—` there.
 * @example
 * renderTargetHistory(await readTargetHistory('results/target-history.jsonl'), 3);
 */
export function renderTargetHistory(history: readonly RunTargets[], count = 3): string {
  const runs = history.slice(-count);
  if (runs.length === 0) return '';
  const targets: Array<{ what: string; goal: string }> = [];
  for (const run of runs) {
    for (const check of run.checks) if (!targets.some((t) => t.what === check.what)) targets.push({ what: check.what, goal: check.goal });
  }
  const head = ['target', 'goal', ...runs.map((run) => `${run.startedAt.slice(0, 16).replace('T', ' ')} UTC (load ${run.load?.toFixed(2) ?? '?'})`), 'spread', 'met'];
  const rows = targets.map(({ what, goal }) => {
    const found = runs.map((run) => run.checks.find((check) => check.what === what));
    const values = found.flatMap((check) => (check?.ratio === null || check === undefined ? [] : [check.ratio]));
    const met = found.filter((check) => check?.met === true).length;
    const measured = found.filter((check) => check !== undefined && check.ratio !== null).length;
    const cells = found.map((check) => (check === undefined ? '—' : check.met === false ? `**${formatRatio(check.ratio)}**` : formatRatio(check.ratio)));
    const spread = values.length === 0 ? '—' : `${formatRatio(Math.min(...values))}–${formatRatio(Math.max(...values))}`;
    return [what, goal, ...cells, spread, `${met} of ${measured}`];
  });
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    `### Celerity's targets over the last ${runs.length} full run${runs.length === 1 ? '' : 's'}`,
    '',
    `Each run's ratio (a missed one in bold), the spread, and in how many of the runs the target was met. From \`results/target-history.jsonl\`, one line per complete full run.`,
    '',
    line(head),
    line(head.map((_, i) => (i < 2 ? '---' : '---:'))),
    ...rows.map(line),
  ].join('\n');
}
