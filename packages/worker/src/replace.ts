/**
 * A task that called `ctx.replace(signature)`: its replacement is applied in its place (Celery's
 * `Task.replace`, then `Ignore`), and nothing is stored for the task itself, whose id the
 * replacement's result takes. A replacement that cannot be sent fails the task instead.
 */
import type { TaskMessage } from '@celerity/core';
import { exceptionInfoOf, formatTraceback, replacementSignature } from '@celerity/core/internal';
import type { TraceOutcome } from '@celerity/core/internal';
import type { ExecutionContext } from './execution-context.js';
import { applyAll } from './followups.js';

type Replaced = Extract<TraceOutcome, { kind: 'replace' }>;

/** Applies the replacement; returns the outcome to finish with (a failure when it was not sent). */
export async function sendReplacement(message: TaskMessage, outcome: Replaced, ctx: ExecutionContext): Promise<TraceOutcome> {
  let error: unknown;
  try {
    const sent = await applyAll([replacementSignature(message, outcome.signature)], message, ctx);
    if (sent.unsent.length === 0) {
      ctx.logger.info(`Task ${message.task}[${message.id}] replaced by ${outcome.signature.subtask_type ?? outcome.signature.task}`);
      return outcome;
    }
    error = sent.error;
  } catch (thrown) {
    error = thrown;
  }
  ctx.logger.error(`Task ${message.task}[${message.id}]: sending its replacement ${outcome.signature.task} failed: ${(error as Error).message}`, { error });
  return { kind: 'failure', exception: exceptionInfoOf(error), traceback: formatTraceback(error), error, runtime: outcome.runtime };
}
