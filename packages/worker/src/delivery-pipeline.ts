/**
 * What happens to a delivery before it runs: decode it, turn away what cannot run (undecodable,
 * refused content, unregistered), skip a redelivered one whose task already succeeded
 * (successful-redelivery.ts), count the others (redelivery.ts), hold it until its ETA,
 * discard it if it expired by then, and hand the rest to the slot gate.
 */
import type { Delivery, Logger, MalformedDelivery, SerializerRegistry, TaskDefinition, TaskMessage } from '@celerity/core';
import { ContentDisallowedError, decodeTaskMessage, silentLogger } from '@celerity/core';
import type { EtaScheduler } from './eta-scheduler.js';
import type { ExecutionContext } from './execution-context.js';
import type { RedeliveryPolicy } from './redelivery.js';
import { rejectUnrunnable } from './reject.js';
import type { SlotGate } from './slot-gate.js';
import type { SuccessfulRedeliveryCheck } from './successful-redelivery.js';
import type { WorkerStats } from './worker-stats.js';

/** A decoded message of a registered task, and the delivery that brought it. */
export interface Job {
  delivery: Delivery;
  message: TaskMessage;
  definition: TaskDefinition;
  /** Its slot in the job book while reserved or active (control/job-book.ts). */
  bookSlot?: number | undefined;
  /** When its body started (ms since the epoch), while the job book has it active. */
  startedAt?: number | undefined;
  /** Its slot among the bodies running now (running-jobs.ts). */
  runningSlot?: number | undefined;
}

/** Options of {@link createDeliveryPipeline}. */
export interface DeliveryPipelineOptions {
  serializers: SerializerRegistry;
  tasks: ReadonlyMap<string, TaskDefinition>;
  /** The executor's context: its logger, result writer and clock serve rejections and expiry. */
  ctx: ExecutionContext;
  stats: WorkerStats;
  scheduler: EtaScheduler<Job>;
  gate: SlotGate<Job>;
  /** Counts redelivered messages and dead-letters those out of deliveries (redelivery.ts). */
  redelivery: RedeliveryPolicy;
  /** Whether new deliveries are taken (false once the worker stops: they go back to the queue). */
  accepting(): boolean;
  /** Called when a job leaves without running, as the worker may have become idle. */
  left(): void;
  /** Skips redelivered messages of tasks that already succeeded (`deduplicateSuccessfulTasks`). */
  dedupe?: SuccessfulRedeliveryCheck;
  /** True (and the job recorded as REVOKED) when its task was revoked: checked at receipt and when due. */
  revoked?: (job: Job) => boolean;
  /** Called when a job is handed to the gate (`inspect reserved` lists it from then on). */
  reserved?: (job: Job) => void;
}

/** The consumer's handlers, and the way back in for a job whose ETA came. */
export interface DeliveryPipeline {
  onDelivery(delivery: Delivery): void;
  onMalformed(item: MalformedDelivery): void;
  /** A held job is due: it runs unless it expired or its delivery is gone. */
  due(job: Job): void;
}

/**
 * True (and logged) when a job's delivery went stale while it waited: its channel died, the broker
 * redelivers it, and running it here would run it twice.
 */
export function isStale(job: Job, logger: Logger): boolean {
  if (!job.delivery.stale) return false;
  logger.debug(`Dropped ${job.message.task}[${job.message.id}]: its delivery is gone and will be redelivered`);
  return true;
}

/**
 * @example
 * const pipeline = createDeliveryPipeline({ serializers, tasks, ctx, stats, scheduler, gate, redelivery, dedupe, accepting, left });
 * await broker.consume(queues, pipeline.onDelivery, { prefetch, onMalformed: pipeline.onMalformed });
 */
export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const { serializers, tasks, ctx, stats, scheduler, gate, redelivery, dedupe, accepting, left, revoked, reserved } = options;
  const { logger, clock } = ctx;

  const admit = (job: Job): void => {
    if (revoked?.(job)) return;
    const expires = job.message.expires;
    if (expires !== null && expires.getTime() <= clock.now()) {
      void rejectUnrunnable(job.delivery, job.message, 'expired', ctx).finally(left);
      return;
    }
    reserved?.(job);
    gate.push(job);
  };

  const schedule = (job: Job): void => {
    const eta = job.message.eta;
    if (eta !== null && eta.getTime() > clock.now()) scheduler.hold(job, eta.getTime());
    else admit(job);
  };

  // The worker may have begun stopping while a stored state was looked up.
  const countAndSchedule = (job: Job): void => {
    // A counted copy waits until the original it replaces is acked (see RedeliveryPolicy.replacing).
    const replacing = redelivery.replacing(job.message.id);
    if (replacing !== undefined) void replacing.then(() => countAndScheduleNow(job));
    else countAndScheduleNow(job);
  };

  const countAndScheduleNow = (job: Job): void => {
    const { delivery, message } = job;
    if (!accepting()) {
      void redelivery.giveBack(delivery);
      return;
    }
    if (redelivery.intercepts(delivery)) void redelivery.handle(delivery, message).then((run) => (run ? schedule(job) : left()));
    else schedule(job);
  };

  return {
    onDelivery(delivery) {
      let message: TaskMessage;
      try {
        message = decodeTaskMessage(delivery.envelope, { serializers });
      } catch (error) {
        stats.rejected++;
        const reason = error instanceof ContentDisallowedError ? `Refusing to deserialize untrusted content of type ${error.contentType}` : `Received invalid task message: ${(error as Error).message}`;
        void rejectUnrunnable(delivery, null, { reason, error }, ctx);
        return;
      }
      const definition = tasks.get(message.task);
      if (!definition) {
        stats.rejected++;
        void rejectUnrunnable(delivery, message, 'unregistered', ctx);
        return;
      }
      if (logger !== silentLogger) logger.info(`Received task: ${message.task}[${message.id}]${message.eta ? `  ETA:[${message.eta.toISOString()}]` : ''}`);
      ctx.observer?.received?.(message, delivery.queue);
      const job: Job = { delivery, message, definition };
      if (revoked?.(job)) return;
      if (ctx.events?.on === true) ctx.events.received(message);
      // A redelivered task that already succeeded is acked, not run (and not counted as a delivery).
      const checked = dedupe?.check(job);
      if (checked) void checked.then((skipped) => (skipped ? left() : countAndSchedule(job)));
      else countAndSchedule(job);
    },
    onMalformed(item) {
      stats.rejected++;
      ctx.observer?.rejected?.(null, item.queue);
      logger.error(`Discarded malformed message from queue ${item.queue}: ${item.error.message}${item.setAsideAt ? ` (kept in ${item.setAsideAt})` : ''}`);
    },
    due(job) {
      if (isStale(job, logger)) left();
      else admit(job);
    },
  };
}
