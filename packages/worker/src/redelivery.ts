/**
 * Bounded redelivery. A message comes back when its last delivery ended without an ack: its worker
 * died running it, or could record nothing (a machinery failure, requeued by execute.ts). Counted
 * here, such a message runs at most `maxDeliveries` times; the delivery after that goes to the
 * broker's dead-letter queue with the reason, and FAILURE is stored so callers stop waiting.
 *
 * Counting: a broker that counts deliveries says which one this is (`Delivery.deliveryCount`,
 * RabbitMQ quorum queues). Elsewhere the count travels in the message: the `celerity_deliveries`
 * header names the delivery a copy starts at (absent = 1), and a redelivered message is replaced by
 * a copy carrying the next number — published, then the original acked — so the count survives the
 * next crash. The copy is what runs. Messages the worker gives back without starting them (stopping,
 * ETA tasks held) go back the same way with their number unchanged, so a restart does not count.
 * The last error known for a task (its outcome could not be stored) rides along in the copy's
 * `celerity_last_error` header and ends up in the dead letter's reason; a worker that died leaves none.
 */
import type { Delivery, Envelope, ExceptionInfo, TaskMessage } from '@celerity/core';
import { DELIVERIES_HEADER, LAST_ERROR_HEADER } from '@celerity/core';
import { buildResultMeta } from '@celerity/core/internal';
import type { ExecutionContext } from './execution-context.js';
import { completeChordPart, sendFailureFollowups } from './followups.js';
import { resultRequestOf } from './request.js';
import { resultDate } from './result-date.js';

/** The exception stored for a dead-lettered task (Python reads it as `celery.exceptions.MaxDeliveriesExceeded`). */
export const MAX_DELIVERIES_EXCEEDED = 'MaxDeliveriesExceeded';

/** What the worker's pipeline asks of the redelivery policy. */
export interface RedeliveryPolicy {
  /** Whether a delivery needs {@link RedeliveryPolicy.handle} before it may run (cheap; false for most). */
  intercepts(delivery: Delivery): boolean;
  /**
   * Counts a redelivered message: replaces it with a copy carrying its count, or dead-letters it
   * when it ran out of deliveries. Resolves to true when this delivery should run here after all
   * (the copy could not be sent: running it beats losing or looping it).
   */
  handle(delivery: Delivery, message: TaskMessage): Promise<boolean>;
  /** Returns a delivery the worker did not start to its queue without counting it. */
  giveBack(delivery: Delivery): Promise<void>;
  /** Remembers why a task's delivery ended without an outcome, for its copy and its dead letter. */
  noteFailure(taskId: string, error: unknown): void;
  /**
   * While a message is being replaced by its counted copy, settles once the original's ack is
   * written; `undefined` otherwise. The copy must not start before: if it killed this process (a
   * poison task) with the ack still unwritten, the original would come back and be counted again
   * under the same number, leaving two copies.
   */
  replacing(taskId: string): Promise<void> | undefined;
}

/** Options of {@link createRedeliveryPolicy}. */
export interface RedeliveryOptions {
  /** Deliveries a message may have; 0 = unbounded (nothing counted). */
  maxDeliveries: number;
  ctx: ExecutionContext;
  /** Called for each message dead-lettered. */
  deadLettered?: () => void;
}

/** The delivery a message copy starts at: its `celerity_deliveries` header, 1 when absent or invalid. */
function startOf(envelope: Envelope): number {
  const value = envelope.headers[DELIVERIES_HEADER];
  const n = typeof value === 'bigint' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Which delivery of its message this is (1 = the first). */
export function deliveryNumber(delivery: Delivery): number {
  const start = startOf(delivery.envelope);
  if (delivery.deliveryCount !== undefined) return start + delivery.deliveryCount - 1;
  return delivery.redelivered ? start + 1 : start;
}

/** A fresh copy of the message that starts at delivery `n`, without the transport's redelivery marks. */
function copyStartingAt(envelope: Envelope, n: number, lastError: string | undefined): Envelope {
  const headers = { ...envelope.headers };
  delete headers['redelivered'];
  delete headers['x-delivery-count'];
  if (n > 1) headers[DELIVERIES_HEADER] = n;
  else delete headers[DELIVERIES_HEADER];
  if (lastError !== undefined) headers[LAST_ERROR_HEADER] = lastError;
  return { ...envelope, headers };
}

/** Most task ids whose last error is remembered; the oldest is forgotten first. */
const REMEMBERED_ERRORS = 1000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * @example
 * const redelivery = createRedeliveryPolicy({ maxDeliveries: 5, ctx });
 * if (redelivery.intercepts(delivery)) void redelivery.handle(delivery, message).then((run) => run && schedule(job));
 */
export function createRedeliveryPolicy(options: RedeliveryOptions): RedeliveryPolicy {
  const { maxDeliveries: max, ctx } = options;
  const { logger, broker } = ctx;
  const lastErrors = new Map<string, string>();
  const replacements = new Map<string, Promise<void>>();
  const lastErrorOf = (delivery: Delivery, taskId: string): string | undefined => {
    const carried = delivery.envelope.headers[LAST_ERROR_HEADER];
    return lastErrors.get(taskId) ?? (typeof carried === 'string' ? carried : undefined);
  };

  const deadLetter = async (delivery: Delivery, message: TaskMessage, deliveries: number): Promise<void> => {
    const queue = delivery.queue;
    const text = `Task ${message.task}[${message.id}] was delivered ${deliveries} times without completing (maxDeliveries ${max})`;
    if (broker.deadLetters === undefined) {
      logger.error(`${text}; the ${broker.transport} broker has no dead-letter queue, so the message is rejected`);
    } else {
      try {
        const error = lastErrorOf(delivery, message.id);
        await broker.deadLetters.add(queue, copyStartingAt(delivery.envelope, deliveries, undefined), {
          reason: 'max-deliveries',
          deliveries,
          at: new Date(ctx.clock.now()),
          ...(error !== undefined ? { error } : {}),
        });
      } catch (error) {
        // Not set aside: it stays in its queue and the next delivery tries again.
        logger.error(`${text}; moving it to the dead-letter queue failed, requeued: ${errorText(error)}`, { error });
        await delivery.reject({ requeue: true }).catch(() => {});
        return;
      }
      logger.error(`${text}; moved to the dead-letter queue of ${queue}`);
    }
    lastErrors.delete(message.id);
    options.deadLettered?.();
    if (ctx.events?.on === true) ctx.events.deadLettered(message.id);
    const exception: ExceptionInfo = { exc_type: MAX_DELIVERIES_EXCEEDED, exc_message: [`${text}; moved to the dead-letter queue of ${queue}`], exc_module: 'celery.exceptions' };
    const done = resultDate(ctx.clock);
    const meta = buildResultMeta({ ...(done ? { now: done } : {}), taskId: message.id, status: 'FAILURE', result: exception, groupId: message.group, parentId: message.parentId });
    try {
      if (ctx.writer) await ctx.writer.store(meta, resultRequestOf(message, delivery.envelope));
    } catch (error) {
      logger.error(`Could not store the failure of dead-lettered task ${message.id}: ${errorText(error)}`, { error });
    }
    await completeChordPart(message, 'FAILURE', exception, ctx);
    await sendFailureFollowups(message, exception, null, ctx);
    if (broker.deadLetters === undefined) await delivery.reject({ requeue: false }).catch(() => {});
    else await delivery.ack().catch((error: unknown) => logger.error(`ack failed for ${message.id}: ${errorText(error)}`));
  };

  return {
    intercepts(delivery) {
      if (max === 0) return false;
      return (delivery.redelivered && delivery.deliveryCount === undefined) || deliveryNumber(delivery) > max;
    },
    async handle(delivery, message) {
      // Its channel is gone: the broker delivers it again, and a copy now would make two.
      if (delivery.stale) return false;
      const n = deliveryNumber(delivery);
      if (n > max) {
        await deadLetter(delivery, message, n - 1).catch(async (error: unknown) => {
          logger.error(`Dead-lettering ${message.task}[${message.id}] failed, requeued: ${errorText(error)}`, { error });
          await delivery.reject({ requeue: true }).catch(() => {});
        });
        return false;
      }
      // Registered before the copy is out: it may come back to this worker before the publish resolves.
      let release!: () => void;
      const replaced = new Promise<void>((resolve) => (release = resolve));
      replacements.set(message.id, replaced);
      try {
        try {
          await broker.publish({ queue: delivery.queue }, copyStartingAt(delivery.envelope, n, lastErrorOf(delivery, message.id)));
        } catch (error) {
          logger.error(`Task ${message.task}[${message.id}] was delivered before; sending it back with its delivery count failed, so it runs now uncounted: ${errorText(error)}`, { error });
          return true;
        }
        // The copy is out: if this ack fails the original comes back too and is counted once more.
        const acked = delivery.ack();
        broker.flushAcks?.();
        await acked.catch((error: unknown) => logger.error(`ack failed for ${message.id}: ${errorText(error)}`));
      } finally {
        if (replacements.get(message.id) === replaced) replacements.delete(message.id);
        release();
      }
      logger.warn(`Task ${message.task}[${message.id}] was delivered before without completing; sent back to ${delivery.queue} as delivery ${n} of at most ${max}`);
      return false;
    },
    replacing(taskId) {
      return replacements.get(taskId);
    },
    noteFailure(taskId, error) {
      if (max === 0) return;
      lastErrors.delete(taskId);
      lastErrors.set(taskId, errorText(error));
      if (lastErrors.size > REMEMBERED_ERRORS) lastErrors.delete(lastErrors.keys().next().value as string);
    },
    async giveBack(delivery) {
      if (delivery.stale) return;
      if (max === 0) {
        await delivery.reject({ requeue: true }).catch(() => {});
        return;
      }
      try {
        const carried = delivery.envelope.headers[LAST_ERROR_HEADER];
        await broker.publish({ queue: delivery.queue }, copyStartingAt(delivery.envelope, deliveryNumber(delivery), typeof carried === 'string' ? carried : undefined));
      } catch (error) {
        logger.warn(`Could not give back ${delivery.deliveryTag} uncounted (${errorText(error)}); requeued`);
        await delivery.reject({ requeue: true }).catch(() => {});
        return;
      }
      await delivery.ack().catch(() => {});
    },
  };
}
