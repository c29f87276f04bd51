/**
 * Publishes a scenario's tasks with a Celerity client, in batches, optionally paced to a rate so a
 * fault lands while producing as well as consuming. Every id is remembered as sent (the publish
 * resolved) or failed (it rejected: it may or may not have reached the broker).
 */
import type { Client, SendManyItem } from '@celerity/client';

/** What one task to publish looks like. */
export interface TaskToSend {
  id: string;
  task: 'chaos.work' | 'chaos.poison';
  args: unknown[];
  /** Seconds from now (ETA tasks). */
  countdown?: number;
}

/** Options of {@link runProducer}. */
export interface ProducerOptions {
  client: Client;
  queue: string;
  tasks: readonly TaskToSend[];
  /** Tasks per publish call. @default 100 */
  batch?: number;
  /** Tasks per second; 0 sends as fast as the broker takes them. @default 0 */
  rate?: number;
  /** Called after each batch with its ids and, when its publish rejected, the error. */
  onBatch?: (ids: string[], error: Error | undefined) => void;
}

/** The outcome of publishing. */
export interface ProducerResult {
  sent: string[];
  failed: string[];
  /** First few publish errors, for the report. */
  errors: string[];
  startedAt: number;
  finishedAt: number;
}

/**
 * @example
 * const produced = await runProducer({ client, queue, tasks, rate: 2000 });
 */
export async function runProducer(options: ProducerOptions): Promise<ProducerResult> {
  const batch = options.batch ?? 100;
  const rate = options.rate ?? 0;
  const sent: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const startedAt = Date.now();
  for (let i = 0; i < options.tasks.length; i += batch) {
    if (rate > 0) {
      // Pace against the schedule, not the previous batch, so a slow publish is caught up afterwards.
      const due = startedAt + (i / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const chunk = options.tasks.slice(i, i + batch);
    const items: SendManyItem[] = chunk.map((t) => ({
      task: t.task,
      args: t.args,
      options: { taskId: t.id, queue: options.queue, ...(t.countdown !== undefined ? { countdown: t.countdown } : {}) },
    }));
    const ids = chunk.map((t) => t.id);
    try {
      await options.client.sendMany(items);
      sent.push(...ids);
      options.onBatch?.(ids, undefined);
    } catch (error) {
      failed.push(...ids);
      if (errors.length < 5) errors.push((error as Error).message);
      options.onBatch?.(ids, error as Error);
    }
  }
  return { sent, failed, errors, startedAt, finishedAt: Date.now() };
}
