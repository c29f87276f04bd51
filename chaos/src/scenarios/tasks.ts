/** The task lists scenarios send. */
import type { TaskToSend } from '../producer.js';
import type { Random } from '../random.js';
import { randomInt } from '../random.js';

/** `count` `chaos.work` tasks sleeping `minMs`–`maxMs` each, ids `<prefix>-<n>`. */
export function workTasks(count: number, prefix: string, random: Random, minMs: number, maxMs: number, countdown?: () => number): TaskToSend[] {
  const tasks: TaskToSend[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const due = countdown?.();
    tasks[i] = { id: `${prefix}-${i}`, task: 'chaos.work', args: [randomInt(random, minMs, maxMs)], ...(due !== undefined ? { countdown: due } : {}) };
  }
  return tasks;
}

/** `count` sorted points in [from, to) of `total`, for faults at random moments of progress. */
export function progressPoints(random: Random, count: number, total: number, from = 0.1, to = 0.9): number[] {
  return Array.from({ length: count }, () => Math.floor(total * (from + random() * (to - from)))).sort((a, b) => a - b);
}
