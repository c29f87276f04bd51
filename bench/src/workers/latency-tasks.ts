/** The task of the latency rows, for Celerity's worker; producers import its type only. */
import { defineTask } from '@celerity/core';
import { monotonicMs } from '../latency/clock.js';

/**
 * `tasks.add_stamped(x, y)`: `[x + y, start]`, where `start` is CLOCK_MONOTONIC in ms taken on the
 * body's first line (see `latency/clock.ts`), so the producer can tell when the task started.
 */
export const addStamped = defineTask({ name: 'tasks.add_stamped', params: ['x', 'y'] }, async (x: number, y: number): Promise<[number, number]> => {
  const startedAt = monotonicMs();
  return [x + y, startedAt];
});
