/** The events table: Celerity's throughput with events off and on, and the target (on ≥ 0.85 × off). */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { TargetCheck } from '../targets.js';
import type { EventsResults } from './results.js';

/** Events on must keep at least this fraction of the throughput with events off. */
export const EVENTS_TARGET = 0.85;

/** The events target: throughput with events on over off, in the same run. */
export function checkEventsTarget(events: EventsResults): TargetCheck {
  const value = ratio(events.on?.median, events.off?.median);
  return { what: 'processing with events on vs off', goal: `≥ ${EVENTS_TARGET}×`, ratio: value, met: value === null ? null : value >= EVENTS_TARGET };
}

/** The Markdown section of the events rows. */
export function renderEvents(events: EventsResults): string {
  const { sizes } = events;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const target = checkEventsTarget(events);
  const rows = [
    line(['off', events.off ? formatSummary(events.off) : '—', '1.00×', '']),
    line(['on', events.on ? formatSummary(events.on) : '—', formatRatio(target.ratio), target.met === null ? '—' : target.met ? 'met' : '**missed**']),
  ];
  const errors = events.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  const heard = events.heard.length === 0 ? '' : ` The worker published ${events.heard.map((h) => formatNumber(h)).join(', ')} event message(s) per repetition with events on, with no subscriber (a subscriber checked the untimed runs).`;
  return [
    `### Celerity with events on — tasks/s (higher is better)`,
    '',
    `The \`baseline\` and \`events\` rows of the features part: one worker process each on the bench's Redis, async pool, concurrency ${sizes.concurrency}, \`add(x, y)\` × ${formatNumber(sizes.jobs)} per repetition, results kept; after one untimed run each, ${sizes.reps} repetitions, the row order reversed every other repetition.${heard}`,
    '',
    line(['events', 'tasks/s', '× off', `target ≥ ${EVENTS_TARGET}×`]),
    line(['---', '---:', '---:', '---']),
    ...rows,
    ...(errors.length > 0 ? ['', 'Failed runs:', ...errors] : []),
  ].join('\n');
}
