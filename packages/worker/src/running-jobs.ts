/**
 * The task bodies running now, and Celery 5.5's cold-shutdown cancel of them
 * (`cancel_all_unacked_requests`): each is marked cancelled (whatever it does afterwards is neither
 * stored nor acked, see execute.ts), RETRY is stored for it as Celery stores
 * `Retry('cancelled by Celery')`, and its message goes back to the queue — rejected with requeue if
 * it is still unacked (acks late; the broker redelivers it, and as a delivery that started and did
 * not complete it counts towards `maxDeliveries`), published again unchanged if it was acked before
 * it ran.
 */
import type { Broker, Delivery, Logger } from '@celerity/core';
import type { Job } from './delivery-pipeline.js';
import type { ExecutionContext } from './execution-context.js';
import { MessageRun } from './message-run.js';
import { Roster } from './roster.js';
import { retryTarget } from './retry-route.js';

/** Celery's exception for a task cancelled by a shutdown (`Request._announce_cancelled`). */
const CANCELLED = { exc_type: 'Retry', exc_message: ['cancelled by Celery'], exc_module: 'celery.exceptions' };

/** Options of {@link createRunningJobs}. */
export interface RunningJobsOptions {
  ctx: ExecutionContext;
  broker: Broker;
  logger: Logger;
}

/** Bodies running now, by job. */
export interface RunningJobs {
  /** A body starts. */
  add(job: Job): void;
  /** A body no longer needs cancelling: it settled, or its outcome is recorded and only being written. */
  remove(job: Job): void;
  readonly size: number;
  /**
   * Cancels every body still running and sends its message back; resolves once each RETRY is
   * stored and each message is back (failures are logged).
   * @returns how many were cancelled
   */
  cancelAll(): Promise<number>;
}

/**
 * @example
 * const running = createRunningJobs({ ctx, broker, logger });
 * running.add(job); // …
 * await running.cancelAll();
 */
export function createRunningJobs(options: RunningJobsOptions): RunningJobs {
  const { ctx, broker, logger } = options;
  // A roster, not a Set: see roster.ts.
  const jobs = new Roster<Job>();

  const sendBack = async (job: Job): Promise<void> => {
    const { delivery, message, definition } = job;
    const ackedEarly = !(definition.options.acksLate ?? ctx.acksLate);
    if (!ackedEarly) return delivery.reject({ requeue: true }).catch((error: unknown) => logger.error(`Task ${message.task}[${message.id}] was cancelled, and requeueing it failed: ${(error as Error).message}`, { error }));
    try {
      await broker.publish(retryTarget(delivery), delivery.envelope);
    } catch (error) {
      logger.error(`Task ${message.task}[${message.id}] was cancelled, and publishing it again failed: ${(error as Error).message}`, { error });
    }
  };

  const storeCancelled = async (job: Job): Promise<void> => {
    if (!ctx.writer) return;
    const run = new MessageRun(job.message, job.delivery.queue, ctx);
    await run.store(run.meta('RETRY', CANCELLED)).catch((error: unknown) => logger.error(`Task ${job.message.task}[${job.message.id}]: storing RETRY for its cancel failed: ${(error as Error).message}`, { error }));
  };

  return {
    add(job) {
      job.runningSlot = jobs.add(job);
    },
    remove(job) {
      jobs.delete(job, job.runningSlot);
      job.runningSlot = undefined;
    },
    get size() {
      return jobs.size;
    },
    async cancelAll() {
      const cancelled = jobs.values();
      jobs.clear();
      if (cancelled.length === 0) return 0;
      const marked = (ctx.cancelled ??= new WeakSet<Delivery>());
      for (const job of cancelled) {
        marked.add(job.delivery);
        // A pooled body is stopped for real: its child is killed and replaced (Celery's cold shutdown terminates the pool).
        ctx.pool?.terminate(job.message.id, 'SIGKILL');
        logger.warn(`Task ${job.message.task}[${job.message.id}] cancelled by the shutdown; its message goes back to ${job.delivery.queue}`);
      }
      await Promise.all(cancelled.map(async (job) => {
        await storeCancelled(job);
        await sendBack(job);
      }));
      return cancelled.length;
    },
  };
}
