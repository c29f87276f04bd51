/**
 * Celery events' cost, now two rows of the features part (features/scenario.ts): the same Celerity
 * worker processing pre-queued `add(x, y)` tasks with events off (the baseline) and on
 * (`eventsEnabled`: three task events per task, batched in `task.multi` lists, counted by a monitor
 * subscribed to kombu's `celeryev` channels of db 0). `--only events` runs those two rows alone.
 */
import type { FeaturesResults } from '../features/results.js';
import type { EventsResults } from './results.js';

/** The events part's figures, read from the features rows `baseline` (off) and `events` (on). */
export function eventsFromFeatures(features: FeaturesResults): EventsResults {
  const off = features.rows.find((r) => r.id === 'baseline');
  const on = features.rows.find((r) => r.id === 'events');
  return {
    sizes: { reps: features.sizes.reps, jobs: features.sizes.jobs, concurrency: features.sizes.concurrency },
    ...(off ? { off: off.rate } : {}),
    ...(on ? { on: on.rate } : {}),
    heard: features.heard,
    errors: features.errors.filter((e) => e.row === 'baseline' || e.row === 'events'),
  };
}
