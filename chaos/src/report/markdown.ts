/** `bench/results/<name>.md`: the summary table, then each scenario's parameters, faults and findings. */
import type { ScenarioResult } from '../scenarios/scenario.js';
import type { ChaosResults } from './results.js';
import { SUMMARY_ALIGN, SUMMARY_HEADER, seconds, summaryRow } from './rows.js';
import { markdownTable } from './table.js';

const DEFINITIONS = `Counting (from a ledger the harness owns: each task body appends \`start\` and \`done\` records,
with task id, worker pid and time, to a file per worker process, written synchronously so a SIGKILL
cannot lose them; no server under test is involved). The workers store results in a Redis result
backend on a server of its own that no fault touches, as a deployment's would be, so a redelivered
acks-late task that already succeeded is skipped (\`deduplicateSuccessfulTasks\`):

- **sent**: publishes that resolved (broker replied / confirmed). "publish failed" ones are not sent.
- **completed**: sent tasks whose body ran to its end at least once.
- **lost**: sent, never completed by the end of the run — except, with early acks, tasks whose body
  had started in a process that then died: Celery acked those before running them, so losing them is
  its documented behaviour; they are counted in **lost (early ack, allowed)**. The details say how
  many lost tasks never started, and how many were still in the broker when the run ended (starved
  or held back rather than gone: the harness drains the queue after stopping the workers).
- **dead-lettered**: sent tasks (poison included) found in the queue's dead-letter queue at the end:
  the worker gave up after maxDeliveries (5) deliveries that ended without an outcome, stored
  FAILURE (MaxDeliveriesExceeded) and set the message aside; not counted as lost.
- **duplicated**: tasks whose body started more than once; in parentheses, those re-run *after* a run
  had completed (a finished task whose ack did not stick), as opposed to an interrupted run redone.
- **recovered**: tasks in flight at a fault (started before it, not done) that completed after it.
- **first completion**: fault → first task completed after it (worst over the run's faults).
- **throughput back**: fault → start of the first 1 s window with ≥ 80 % of the completion rate of the
  2 s before the fault (0 = no dip; "drained" = too little work left to judge).
- **in-flight recovered**: fault → completion of the last task that was in flight at the fault
  ("never" when one of them never completed).
- **ended**: \`settled\` = everything completed and the settle time passed (long enough for Redis'
  visibility timeout + restore pass to redeliver anything still held); \`stuck\` = nothing completed
  for the stuck timeout; the rest counts as lost.`;

function leftText(left: ScenarioResult['outcome']['left']): string {
  if (left === undefined) return 'unknown';
  if (left.messages === 0) return '0';
  const lock = left.restoreLockTtlMs === undefined ? '' : left.restoreLockTtlMs === null ? ', restore lock free' : `, restore lock held (${(left.restoreLockTtlMs / 1000).toFixed(0)} s to expiry)`;
  return `${left.messages} (${left.unacked} of them unacked${lock})`;
}

function scenarioSection(result: ScenarioResult): string {
  const { counts, recoveries, faults, deaths } = result.outcome;
  const lines = [`### ${result.name}`, ''];
  if (result.summary !== undefined) lines.push(`${result.summary}.`, '');
  lines.push(`Parameters: ${Object.entries(result.parameters).map(([k, v]) => `${k} ${v}`).join(', ')}; acks ${result.acks}.`);
  lines.push(
    `Ran ${seconds(result.outcome.durationMs)}; ${result.outcome.workerStarts} worker processes started; ${deaths.length} died abruptly; ` +
      `messages left in the broker after the workers stopped: ${leftText(result.outcome.left)}; ended: ${result.outcome.endedBy}.`,
  );
  lines.push(
    `Counts: sent ${counts.sent}, publish failed ${counts.publishFailed} (ran anyway: ${counts.ranDespitePublishError}), completed ${counts.completed}, ` +
      `lost ${counts.lost} (never started: ${counts.lostNeverStarted}; still in the broker at the end: ${counts.lostStillQueued}), lost (early ack, allowed) ${counts.lostEarlyAckAllowed}, dead-lettered ${counts.deadLettered}, ` +
      `duplicated ${counts.duplicated} (after done: ${counts.duplicatedAfterDone}; extra runs ${counts.extraRuns}, most runs of one task ${counts.maxRuns}), ` +
      `recovered ${counts.recovered}, unexpected ${counts.unexpected}` +
      (counts.poisonRuns > 0 ? `, poison runs ${counts.poisonRuns} (dead-lettered: ${counts.poisonDeadLettered})` : '') +
      '.',
  );
  if (faults.length > 0) {
    lines.push('', markdownTable(
      ['fault', 'at (s into run)', 'lasted', 'in flight', 'first completion', 'throughput back', 'in-flight recovered'],
      recoveries.map((r) => [
        r.fault.label,
        ((r.fault.at - result.outcome.producer.startedAt) / 1000).toFixed(2),
        r.fault.until === undefined ? '–' : seconds(r.fault.until - r.fault.at),
        String(r.inFlight),
        seconds(r.firstCompletionMs),
        r.preFaultRate === 0 ? '–' : r.drained ? 'drained' : seconds(r.throughputBackMs),
        seconds(r.inFlightRecoveredMs),
      ]),
    ));
  }
  if (counts.lostSamples.length > 0) {
    lines.push('', 'Lost (first few): ' + counts.lostSamples.map((s) => `\`${s.id}\` ${s.starts.length === 0 ? 'never started' : `started on pid ${s.starts.map((x) => x.pid).join(', ')}`}`).join('; ') + '.');
  }
  if (counts.duplicatedSamples.length > 0) {
    lines.push('', 'Duplicated (first few): ' + counts.duplicatedSamples.map((s) => `\`${s.id}\` ×${s.runs}`).join(', ') + '.');
  }
  const producer = result.outcome.producer;
  if (producer.blockedSince !== undefined) {
    lines.push('', `**The producer process stopped answering** ${((producer.blockedSince - producer.startedAt) / 1000).toFixed(1)} s into publishing (its event loop no longer turned) and never finished; it was killed at the end. ${producer.unreported} publishes it never reported are counted as "publish failed".`);
  } else if (producer.unreported > 0) {
    lines.push('', `The producer ended without reporting ${producer.unreported} publishes; they are counted as "publish failed".`);
  }
  if (result.outcome.producer.errors.length > 0) lines.push('', `Publish errors: ${result.outcome.producer.errors.map((e) => `"${e}"`).join('; ')}.`);
  for (const note of result.notes) lines.push('', note);
  return lines.join('\n');
}

/** The whole results file. */
export function renderMarkdown(results: ChaosResults, scenarios: readonly ScenarioResult[]): string {
  const env = results.environment;
  const parts = [
    '# Chaos harness results (issue 12)',
    '',
    `${env.date} · commit \`${env.commit.slice(0, 12)}\`${env.packagesDirty ? ' (packages/ had uncommitted changes)' : ''} · ${results.quick ? 'quick sizes' : 'full sizes'} · seed ${results.seed}`,
    `Machine: ${env.cpu}, ${env.cores} cores (shared with other work; load ${env.loadAverage} at start), ${env.memoryGiB} GiB · Node ${env.node} · Redis ${env.redis} · RabbitMQ ${env.rabbitmq}`,
    `Command: \`${results.command}\``,
    '',
    markdownTable(SUMMARY_HEADER, scenarios.map(summaryRow), SUMMARY_ALIGN),
    '',
  ];
  if (results.errors.length > 0) parts.push('Scenarios that failed to run:', '', ...results.errors.map((e) => `- ${e.name}: ${e.error}`), '');
  parts.push(DEFINITIONS, '', '## Scenarios', '', ...scenarios.map((s) => `${scenarioSection(s)}\n`));
  return parts.join('\n');
}
