/**
 * The end of a run revoked with `terminate`: whatever its body returned or threw once it settled,
 * REVOKED is stored as Celery stores it (`TaskRevokedError('terminated')`), a chord counts the part
 * as revoked, the `taskRevoked` hook is called, and a late ack is made (Celery acks revoked tasks).
 */
import type { Delivery, ExceptionInfo, TaskMessage } from '@celerity/core';
import { emitHook } from '@celerity/core';
import { TaskRevokedError, exceptionInfoOf } from '@celerity/core/internal';
import type { TraceOutcome } from '@celerity/core/internal';
import type { ExecutionContext } from './execution-context.js';
import { completeChordPart } from './followups.js';
import type { MessageRun } from './message-run.js';

export async function finishTerminated(delivery: Delivery, message: TaskMessage, ctx: ExecutionContext, run: MessageRun, acksLate: boolean, store: boolean): Promise<TraceOutcome> {
  const error = new TaskRevokedError('terminated');
  const exception: ExceptionInfo = exceptionInfoOf(error);
  ctx.observer?.revoked?.(message, delivery.queue, 'terminated');
  ctx.logger.info(`Task ${message.task}[${message.id}] terminated (${run.terminated ?? 'SIGTERM'})`);
  if (store) {
    try {
      await run.store(run.meta('REVOKED', exception, undefined, null));
    } catch (failure) {
      ctx.logger.error(`Task ${message.task}[${message.id}]: storing REVOKED failed: ${(failure as Error).message}`, { error: failure });
    }
  }
  await completeChordPart(message, 'REVOKED', exception, ctx).catch((failure: unknown) => ctx.logger.error(`Task ${message.id}: counting the revoked chord part failed: ${(failure as Error).message}`));
  if (ctx.hooks?.taskRevoked) await emitHook(ctx.hooks, 'taskRevoked', { id: message.id, task: message.task, hostname: ctx.hostname, terminated: true, signal: run.terminated ?? 'SIGTERM', expired: false }, ctx.logger);
  if (acksLate) await delivery.ack().catch((failure: unknown) => ctx.logger.error(`ack failed for ${message.id}: ${(failure as Error).message}`));
  return { kind: 'failure', exception, traceback: null, error, runtime: 0 };
}
