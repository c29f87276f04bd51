/** The summary row of a scenario: the counts, and the worst recovery over its faults. */
import type { Recovery } from '../recovery.js';
import type { ScenarioResult } from '../scenarios/scenario.js';

/** Column titles of the summary table. */
export const SUMMARY_HEADER = [
  'scenario',
  'sent',
  'completed',
  'lost',
  'lost (early ack, allowed)',
  'dead-lettered',
  'duplicated (after done)',
  'recovered',
  'first completion',
  'throughput back',
  'in-flight recovered',
  'ended',
] as const;

/** Right-aligned columns (numbers). */
export const SUMMARY_ALIGN: Array<'left' | 'right'> = SUMMARY_HEADER.map((_, i) => (i === 0 || i === SUMMARY_HEADER.length - 1 ? 'left' : 'right'));

/** Milliseconds as seconds with two decimals; `never` for null. */
export function seconds(ms: number | null): string {
  return ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`;
}

/** The worst (largest) figure over the faults; null wins (it never recovered). */
function worst(recoveries: readonly Recovery[], pick: (r: Recovery) => number | null): string {
  if (recoveries.length === 0) return '–';
  let max = 0;
  for (const r of recoveries) {
    const value = pick(r);
    if (value === null) return 'never';
    max = Math.max(max, value);
  }
  return seconds(max);
}

/** Worst time for throughput to come back, over faults where it could be judged. */
function throughputBack(recoveries: readonly Recovery[]): string {
  const judged = recoveries.filter((r) => r.preFaultRate > 0 && !r.drained);
  if (judged.length === 0) return recoveries.some((r) => r.drained) ? 'drained' : '–';
  return worst(judged, (r) => r.throughputBackMs);
}

/** One row of the summary table. */
export function summaryRow(result: ScenarioResult): string[] {
  const { counts, recoveries } = result.outcome;
  const early = result.acks === 'early';
  return [
    result.name,
    String(counts.sent) + (counts.publishFailed > 0 ? ` (+${counts.publishFailed} publish failed)` : ''),
    String(counts.completed),
    String(counts.lost),
    early ? String(counts.lostEarlyAckAllowed) : '–',
    String(counts.deadLettered + counts.poisonDeadLettered),
    `${counts.duplicated} (${counts.duplicatedAfterDone})`,
    String(counts.recovered),
    worst(recoveries, (r) => r.firstCompletionMs),
    throughputBack(recoveries),
    worst(recoveries, (r) => r.inFlightRecoveredMs),
    result.outcome.endedBy,
  ];
}
