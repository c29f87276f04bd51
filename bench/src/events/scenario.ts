/**
 * Celery events' cost, now two rows of the features part (features/scenario.ts): the same Celerity
 * worker processing pre-queued `add(x, y)` tasks with events off (the baseline) and on
 * (`eventsEnabled`: three task events per task, batched in `task.multi` lists, counted by a monitor
 * subscribed to kombu's `celeryev` channels of db 0). `--only events` runs those two rows alone.
 */
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
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

/** Enqueues `count` `add(i, i)` tasks on `queue` (the events rows' workload; events-profile.ts too). */
export async function fillAdds(redisUrl: string, queue: string, count: number): Promise<void> {
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  const client = createClient({ broker, backend, defaultQueue: queue });
  try {
    for (let start = 0; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) items.push({ task: 'tasks.add', args: [i, i] });
      await client.sendMany(items);
    }
  } finally {
    await client.close();
    await broker.close();
    await backend.close();
  }
}
