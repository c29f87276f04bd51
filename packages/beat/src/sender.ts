/**
 * Turns a tick into an ordinary Celery task message through a Celerity client's `send` (so routing,
 * serializer and publish hooks are the client's). The tick time travels in the `beat_tick` header.
 */
import type { BeatEntry } from './entry.js';
import type { TickSender } from './runner.js';
import { defaultExpiresSeconds } from './schedule.js';

/** The part of `@celerity/client`'s Client a beat sender uses. */
export interface TaskSendingClient {
  send(
    task: string,
    args: unknown[],
    options: { taskId?: string; kwargs?: Record<string, unknown>; queue?: string; priority?: number; expires?: number; headers?: Record<string, unknown> },
  ): Promise<unknown>;
}

/** The header carrying the tick (ISO 8601) a beat message was sent for. */
export const BEAT_TICK_HEADER = 'beat_tick';

/** Options of one tick's message: the entry's, with `expires` defaulting to the time between ticks (from the send). */
export function tickSendOptions(entry: BeatEntry, tickMs: number): { kwargs: Record<string, unknown>; queue?: string; priority?: number; expires?: number; headers: Record<string, unknown> } {
  const expires = entry.options.expires ?? defaultExpiresSeconds(entry.schedule, tickMs);
  return {
    kwargs: entry.kwargs,
    ...(entry.options.queue === undefined ? {} : { queue: entry.options.queue }),
    ...(entry.options.priority === undefined ? {} : { priority: entry.options.priority }),
    ...(expires === undefined ? {} : { expires }),
    headers: { [BEAT_TICK_HEADER]: new Date(tickMs).toISOString() },
  };
}

/**
 * A runner's `send` through a client: the task id is the runner's (the same for a re-send of a tick).
 * @example
 * const runner = new BeatRunner({ store, send: createTickSender(client) });
 */
export function createTickSender(client: TaskSendingClient): TickSender {
  return async (entry, tickMs, taskId) => {
    await client.send(entry.task, entry.args, { taskId, ...tickSendOptions(entry, tickMs) });
  };
}
