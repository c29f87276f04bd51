/**
 * A retry: the task's message sent again (same id, one retry more, a new ETA). If it cannot be
 * sent, the task fails with the error that stopped it (as Celery's `Task.retry` rejects it), so
 * nobody waits for a run that will never come.
 */
import type { Delivery, TaskMessage, TaskMessageInit } from '@celerity/core';
import { DELIVERIES_HEADER, LAST_ERROR_HEADER, emitPublishHooks, encodeTaskMessage } from '@celerity/core';
import { exceptionInfoOf, formatTraceback } from '@celerity/core/internal';
import type { TraceOutcome } from '@celerity/core/internal';
import type { ExecutionContext } from './execution-context.js';
import { shortRepr } from './repr.js';
import { retryTarget, withoutDeadLetterHeaders } from './retry-route.js';

/** The message a retry republishes: same id, retries + 1, new eta, parent = itself (Celery 5.2/5.3+). */
export function retryMessage(message: TaskMessage, eta: Date): TaskMessageInit {
  // A retry is a new message: the transport's redelivery mark and our delivery count stay behind.
  const { redelivered: _redelivered, [DELIVERIES_HEADER]: _deliveries, [LAST_ERROR_HEADER]: _lastError, ...headers } = message.customHeaders;
  const init: TaskMessageInit = {
    task: message.task,
    id: message.id,
    args: message.args,
    kwargs: message.kwargs,
    embed: message.embed,
    eta,
    expires: message.expires,
    retries: message.retries + 1,
    timeLimit: message.timeLimit,
    rootId: message.rootId ?? message.id,
    parentId: message.id,
    group: message.group,
    groupIndex: message.groupIndex,
    shadow: message.shadow,
    ignoreResult: message.ignoreResult,
    stamps: message.stamps,
    headers,
  };
  if (message.origin) init.origin = message.origin;
  if (message.replyTo) init.replyTo = message.replyTo;
  if (message.priority !== null) init.priority = message.priority;
  // RabbitMQ's dead-letter bookkeeping describes this delivery's trip, not the retry's (Celery 5.6.3).
  init.headers = withoutDeadLetterHeaders(init.headers ?? {});
  return init;
}

type RetryOutcome = Extract<TraceOutcome, { kind: 'retry' }>;

/**
 * Publishes the retry to the queue the message came from and logs it as Celery does.
 * @returns `outcome`, or a failure carrying the publish error when the retry could not be sent.
 */
export async function sendRetry(delivery: Delivery, message: TaskMessage, outcome: RetryOutcome, ctx: ExecutionContext): Promise<TraceOutcome> {
  const published = { init: { origin: ctx.origin, ...retryMessage(message, outcome.eta) }, target: retryTarget(delivery) };
  try {
    const before = emitPublishHooks(ctx.hooks, 'beforeTaskPublish', [published], 'worker', ctx.logger);
    if (before) await before;
    await ctx.broker.publish(published.target, encodeTaskMessage(published.init, { serializer: ctx.serializer, now: () => ctx.clock.now() }));
    const after = emitPublishHooks(ctx.hooks, 'afterTaskPublish', [published], 'worker', ctx.logger);
    if (after) await after;
  } catch (error) {
    ctx.logger.error(`Task ${message.task}[${message.id}]: sending its retry failed: ${(error as Error).message}`, { error });
    return { kind: 'failure', exception: exceptionInfoOf(error), traceback: formatTraceback(error), error, runtime: outcome.runtime };
  }
  ctx.logger.info(`Task ${message.task}[${message.id}] retry: Retry in ${Math.round(outcome.countdown)}s${outcome.exception ? `: ${outcome.exception.exc_type}(${shortRepr(outcome.exception.exc_message[0])})` : ''}`);
  return outcome;
}
