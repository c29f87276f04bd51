/**
 * The task event of a run's end, sent once everything after the body is done (the result stored,
 * as in Celery): succeeded, failed, retried, or revoked for a run terminated by a revoke. A run
 * cancelled by a shutdown sends nothing: its message went back to the queue.
 */
import type { Delivery, TaskMessage } from '@celerity/core';
import type { TraceOutcome } from '@celerity/core/internal';
import type { ExecutionContext } from '../execution-context.js';
import type { MessageRun } from '../message-run.js';
import { signalNumber, type TaskEvents } from './task-events.js';

export function reportOutcome(events: TaskEvents, outcome: Promise<TraceOutcome>, delivery: Delivery, message: TaskMessage, run: MessageRun, ctx: ExecutionContext): Promise<TraceOutcome> {
  return outcome.then((settled) => {
    const id = message.id;
    if (ctx.cancelled?.has(delivery) || events.wasRejected(id)) return settled;
    if (run.terminated !== null) events.revoked(id, { terminated: true, signum: signalNumber(run.terminated), expired: false });
    else if (settled.kind === 'success') events.succeeded(id, settled.value, settled.runtime);
    else if (settled.kind === 'failure') events.failed(id, settled.exception, settled.traceback);
    else if (settled.kind === 'retry') events.retried(id, settled.exception, settled.traceback);
    return settled;
  });
}
