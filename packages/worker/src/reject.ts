/**
 * Messages the worker will not run — unregistered, expired, revoked, undecodable — are logged,
 * recorded where Celery records them (a FAILURE / REVOKED result when the id is known) and taken
 * off the queue without a requeue loop. Nothing vanishes silently.
 */
import type { Delivery, ExceptionInfo, TaskMessage } from '@celerity/core';
import { ContentDisallowedError, InvalidTaskError, emitHook } from '@celerity/core';
import { buildResultMeta } from '@celerity/core/internal';
import type { ExecutionContext } from './execution-context.js';
import { resultRequestOf } from './request.js';
import { resultDate } from './result-date.js';

/** Why a message is not run. */
export type RejectReason = 'unregistered' | 'expired' | 'revoked' | { reason: string; error: unknown };

function decodeFailure(error: unknown): ExceptionInfo {
  if (error instanceof ContentDisallowedError) return { exc_type: 'ContentDisallowed', exc_message: [error.message], exc_module: 'kombu.exceptions' };
  if (error instanceof InvalidTaskError) return { exc_type: 'InvalidTaskError', exc_message: [error.message], exc_module: 'celery.exceptions' };
  return { exc_type: 'DecodeError', exc_message: [(error as Error).message], exc_module: 'kombu.exceptions' };
}

/** Logs, records and removes a message that will not run. */
export async function rejectUnrunnable(delivery: Delivery, message: TaskMessage | null, why: RejectReason, ctx: ExecutionContext): Promise<void> {
  const headerId = delivery.envelope.headers['id'];
  const taskId = message?.id ?? (typeof headerId === 'string' && headerId.length > 0 ? headerId : null);
  const done = resultDate(ctx.clock);
  const dated = done ? { now: done } : {};
  const base = message ? { ...dated, groupId: message.group, parentId: message.parentId } : dated;
  let meta = null;
  let requeueless = true;
  if (why !== 'expired' && why !== 'revoked') ctx.observer?.rejected?.(message, delivery.queue);
  if (why === 'unregistered') {
    ctx.logger.error(
      `Received unregistered task of type '${message!.task}'.\nThe message has been ignored and discarded.\n\n` +
        `Did you remember to import the module containing this task?\nOr maybe you're using relative imports?`,
    );
    const exception = { exc_type: 'NotRegistered', exc_message: [message!.task], exc_module: 'celery.exceptions' };
    meta = buildResultMeta({ ...base, taskId: taskId!, status: 'FAILURE', result: exception });
    // Celery's on_unknown_task: task-failed with the exception's repr, no traceback.
    if (ctx.events?.on === true) ctx.events.failed(message!.id, exception, null);
  } else if (why === 'expired' || why === 'revoked') {
    ctx.logger.info(`Discarding ${why} task: ${message!.task}[${message!.id}]`);
    meta = buildResultMeta({ ...base, taskId: taskId!, status: 'REVOKED', result: { exc_type: 'TaskRevokedError', exc_message: [why], exc_module: 'celery.exceptions' } });
    requeueless = false;
    ctx.observer?.revoked?.(message!, delivery.queue, why);
    if (ctx.events?.on === true) ctx.events.revoked(message!.id, { terminated: false, signum: null, expired: why === 'expired' });
    // Celery's task_revoked signal fires for expired tasks too (expired=True).
    if (ctx.hooks?.taskRevoked) await emitHook(ctx.hooks, 'taskRevoked', { id: message!.id, task: message!.task, hostname: ctx.hostname, terminated: false, signal: null, expired: why === 'expired' }, ctx.logger);
  } else {
    ctx.logger.error(`${why.reason}${taskId ? ` (task id ${taskId})` : ''}; the message was rejected.`);
    if (taskId) meta = buildResultMeta({ ...dated, taskId, status: 'FAILURE', result: decodeFailure(why.error) });
    // Rejected without requeue, as a Celery request's reject(requeue=False) reports it.
    if (taskId && ctx.events?.on === true) ctx.events.deadLettered(taskId);
  }
  try {
    if (meta && ctx.writer) await ctx.writer.store(meta, resultRequestOf(message ?? null, delivery.envelope));
  } catch (error) {
    ctx.logger.error(`Could not record the rejection of ${taskId}: ${(error as Error).message}`);
  }
  // Rejected without requeue: AMQP dead-letters it when the queue has a dead-letter exchange.
  if (requeueless) await delivery.reject({ requeue: false }).catch(() => {});
  else await delivery.ack().catch(() => {});
}
