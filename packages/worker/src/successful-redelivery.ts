/**
 * Celery's `worker_deduplicate_successful_tasks`: a message redelivered after its task already
 * succeeded (the worker died, or lost its lease, between storing the SUCCESS and the late ack) is
 * acked and not run again. Only redelivered messages of tasks acked late, with a persistent result
 * backend, cost a lookup; first deliveries never do.
 */
import { TaskState } from '@celerity/core';
import type { ExecutionContext } from './execution-context.js';
import type { Job } from './delivery-pipeline.js';
import { completeChordPart } from './followups.js';
import { deliveryNumber } from './redelivery.js';
import type { WorkerStats } from './worker-stats.js';

/** Options of {@link createSuccessfulRedeliveryCheck}. */
export interface SuccessfulRedeliveryOptions {
  ctx: ExecutionContext;
  stats: WorkerStats;
  /** `WorkerOptions.deduplicateSuccessfulTasks`. */
  enabled: boolean;
}

/** The check, and what the lifecycle needs to know about checks in flight. */
export interface SuccessfulRedeliveryCheck {
  /**
   * `null` when the job needs no check (the synchronous path of nearly every delivery); else
   * resolves true once the job's message was acked without running (its task already succeeded),
   * false when the job is to run. Never rejects: a failed lookup lets the task run, as Celery does.
   */
  check(job: Job): Promise<boolean> | null;
  /** Checks in flight. */
  readonly pending: number;
  /** Resolves once no check is in flight. */
  settled(): Promise<void>;
}

/**
 * @example
 * const redelivery = createSuccessfulRedeliveryCheck({ ctx, stats, enabled: options.deduplicateSuccessfulTasks ?? true });
 * const skipped = redelivery.check(job); // null for a first delivery
 */
export function createSuccessfulRedeliveryCheck(options: SuccessfulRedeliveryOptions): SuccessfulRedeliveryCheck {
  const { ctx, stats, enabled } = options;
  const backend = enabled && ctx.backend?.capabilities.persistent ? ctx.backend : null;
  const inFlight = new Set<Promise<boolean>>();

  const skipIfSucceeded = async (job: Job): Promise<boolean> => {
    const { delivery, message } = job;
    let stored;
    try {
      stored = await backend?.get(message.id);
    } catch (error) {
      ctx.logger.warn(`Task ${message.task}[${message.id}] was redelivered; reading its stored state failed, so it runs: ${(error as Error).message}`, { error });
      return false;
    }
    if (stored?.status !== TaskState.SUCCESS) return false;
    ctx.logger.info(`Task ${message.task}[${message.id}] already succeeded; skipping the redelivered message`);
    stats.deduplicated++;
    // The run that stored the SUCCESS sent its callbacks and chain first (their ids are the
    // result's children); a chord part may not have been counted yet, and counts once anyway.
    if (message.embed.chord !== null) await completeChordPart(message, TaskState.SUCCESS, stored.result, ctx);
    await delivery.ack().catch((error: unknown) => ctx.logger.error(`ack failed for ${message.id}: ${(error as Error).message}`));
    return true;
  };

  return {
    check(job) {
      if (backend === null || deliveryNumber(job.delivery) < 2) return null;
      if (!(job.definition.options.acksLate ?? ctx.acksLate)) return null;
      const checking = skipIfSucceeded(job);
      inFlight.add(checking);
      void checking.finally(() => inFlight.delete(checking));
      return checking;
    },
    get pending() {
      return inFlight.size;
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
