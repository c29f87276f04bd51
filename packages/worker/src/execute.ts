/**
 * Runs one accepted task message end to end: ack (early or late), STARTED, the call itself, then
 * two separate jobs — storing the task's own outcome, and sending what follows it (retries, canvas
 * follow-ups) — each reporting its own failures, so one is never mistaken for the other.
 */
import type { Delivery, TaskDefinition, TaskMessage, TaskRunEvent } from '@celerity/core';
import { emitHook, silentLogger } from '@celerity/core';
import { traceTask } from '@celerity/core/internal';
import type { TraceOutcome } from '@celerity/core/internal';
import { finishTerminated } from './terminated.js';
import type { FailurePolicy } from './failure-ack.js';
import { failureDisposition } from './failure-ack.js';
import { completeChordPart, sendFailureFollowups, sendSuccessFollowups } from './followups.js';
import { MessageRun, storesResult } from './message-run.js';
import { shortRepr } from './repr.js';
import { sendRetry } from './retry.js';
import { sendReplacement } from './replace.js';
import { reportOutcome } from './events/report-outcome.js';

export { retryMessage } from './retry.js';
import type { ExecutionContext } from './execution-context.js';

export type { ExecutionContext } from './execution-context.js';

/** Calls the task, timing the synchronous part of the call (how long it held the event loop). */
function trace(definition: TaskDefinition, run: MessageRun, ctx: ExecutionContext): Promise<TraceOutcome> {
  // Spans the body starts are children of the run's span.
  if (run.span !== undefined) return run.span.wrap(() => traceUntraced(definition, run, ctx));
  return traceUntraced(definition, run, ctx);
}

function traceUntraced(definition: TaskDefinition, run: MessageRun, ctx: ExecutionContext): Promise<TraceOutcome> {
  if (ctx.pool !== undefined && ctx.inProcess?.has(definition) !== true) return ctx.pool.trace(definition, run, run.contentType);
  if (ctx.blocking === undefined) return traceTask(definition, run, run);
  const started = ctx.clock.now();
  const traced = traceTask(definition, run, run);
  ctx.blocking.record(definition, ctx.clock.now() - started);
  return traced;
}

type Success = Extract<TraceOutcome, { kind: 'success' }>;
type Failure = Extract<TraceOutcome, { kind: 'failure' }>;

/**
 * Executes a message whose task is registered and which is due now.
 * @param release called when the task no longer needs its concurrency slot (its result is queued
 * for writing) and before the returned promise settles; not called when that only happens at the end.
 * @returns the outcome, for logging and stats, once everything (the stored result too) is done.
 */
export function executeMessage(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  release?: () => void,
): Promise<TraceOutcome> {
  const acksLate = definition.options.acksLate ?? ctx.acksLate;
  if (!acksLate) void delivery.ack().catch((error: unknown) => ctx.logger.error(`ack failed for ${message.id}: ${(error as Error).message}`));
  const store = storesResult(message, definition);
  const trackStarted = definition.options.trackStarted ?? ctx.trackStarted;
  const run = new MessageRun(message, delivery.queue, ctx);
  run.runningSlot = ctx.running?.add(run);
  ctx.observer?.started?.(message, delivery.queue);
  if (ctx.tracing !== undefined) {
    const span = ctx.tracing.run(message, delivery.queue, ctx.hostname);
    if (span !== undefined) {
      run.span = span;
      return executeStarted(delivery, message, definition, ctx, run, acksLate, store, trackStarted, release).then(
        (outcome) => {
          span.end(outcome);
          return outcome;
        },
        (error: unknown) => {
          span.end(undefined, error);
          throw error;
        },
      );
    }
  }
  return executeStarted(delivery, message, definition, ctx, run, acksLate, store, trackStarted, release);
}

function executeStarted(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  run: MessageRun,
  acksLate: boolean,
  store: boolean,
  trackStarted: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  if (trackStarted && ctx.writer) void run.store(run.meta('STARTED', { pid: process.pid, hostname: ctx.hostname })).catch(() => {});
  const events = ctx.events?.on === true ? ctx.events : undefined;
  events?.started(message.id);
  const outcome =
    ctx.taskHooks === true
      ? executeHooked(delivery, message, definition, ctx, run, acksLate, store, release)
      : ctx.blocking?.blocks(definition)
        ? executeBlocking(delivery, message, definition, ctx, run, acksLate, store, release)
        : executeRun(delivery, message, definition, ctx, run, acksLate, store, release);
  return events === undefined ? outcome : reportOutcome(events, outcome, delivery, message, run, ctx);
}

/**
 * A run with task hooks set (Celery's signals): `taskPrerun` before the body, then, once the outcome
 * is stored and its follow-ups sent, `taskSuccess` / `taskFailure` / `taskRetry` and `taskPostrun`.
 * A run cancelled by a shutdown gets no hook after its body.
 */
async function executeHooked(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  run: MessageRun,
  acksLate: boolean,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  const { hooks, logger } = ctx;
  const event: TaskRunEvent = { id: message.id, task: message.task, args: message.args, kwargs: message.kwargs, retries: message.retries, hostname: ctx.hostname, queue: delivery.queue };
  await emitHook(hooks, 'taskPrerun', event, logger);
  const outcome = await (ctx.blocking?.blocks(definition)
    ? executeBlocking(delivery, message, definition, ctx, run, acksLate, store, release)
    : executeRun(delivery, message, definition, ctx, run, acksLate, store, release));
  if (ctx.cancelled?.has(delivery)) return outcome;
  if (outcome.kind === 'success') {
    await emitHook(hooks, 'taskSuccess', { ...event, result: outcome.value }, logger);
    await emitHook(hooks, 'taskPostrun', { ...event, state: 'SUCCESS', result: outcome.value }, logger);
  } else if (outcome.kind === 'failure') {
    await emitHook(hooks, 'taskFailure', { ...event, exception: outcome.exception, traceback: outcome.traceback, error: outcome.error }, logger);
    await emitHook(hooks, 'taskPostrun', { ...event, state: 'FAILURE', result: outcome.exception }, logger);
  } else if (outcome.kind === 'replace') {
    await emitHook(hooks, 'taskPostrun', { ...event, state: 'IGNORED', result: outcome.signature }, logger);
  } else {
    await emitHook(hooks, 'taskRetry', { ...event, reason: outcome.exception, eta: outcome.eta }, logger);
    await emitHook(hooks, 'taskPostrun', { ...event, state: 'RETRY', result: outcome.exception }, logger);
  }
  return outcome;
}

function executeRun(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  run: MessageRun,
  acksLate: boolean,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  const { embed } = message;
  if (!acksLate && embed.callbacks === null && embed.chain === null && embed.chord === null) return executePlain(delivery, message, definition, ctx, run, store, release);
  return executeAny(delivery, message, definition, ctx, run, acksLate, store, release);
}

/** A body that blocks the event loop starts once the acks around it are written (blocking-bodies.ts). */
async function executeBlocking(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  run: MessageRun,
  acksLate: boolean,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  await ctx.blocking?.beforeBlocking(ctx.broker);
  return executeRun(delivery, message, definition, ctx, run, acksLate, store, release);
}

function logSucceeded(ctx: ExecutionContext, message: TaskMessage, outcome: Success): void {
  // Formatting the line costs more than the rest of a no-op task: skip it for the silent logger.
  if (ctx.logger !== silentLogger) ctx.logger.info(`Task ${message.task}[${message.id}] succeeded in ${outcome.runtime.toFixed(6)}s: ${shortRepr(outcome.value)}`);
}

function logStoreFailed(ctx: ExecutionContext, message: TaskMessage, error: unknown): void {
  ctx.logger.error(`Task ${message.task}[${message.id}]: storing the outcome failed: ${(error as Error).message}`, { error });
}

/** Waits for a store of the task's own outcome; false (and logged as a store failure) if it failed. */
async function stored(ctx: ExecutionContext, message: TaskMessage, written: Promise<void>): Promise<boolean> {
  try {
    await written;
    return true;
  } catch (error) {
    logStoreFailed(ctx, message, error);
    ctx.storeFailed?.(message.id, error);
    return false;
  }
}

/**
 * Early ack and no canvas: what nearly every task is. Chained with `then` rather than written as
 * an async function: a suspended async frame holds every register of its function, and this path
 * is live for the whole run of each task.
 */
function executePlain(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  run: MessageRun,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  return trace(definition, run, ctx).then((outcome) => {
    ctx.running?.delete(run, run.runningSlot);
    // Cancelled by a shutdown: the message went back to the queue, this outcome counts for nothing.
    if (ctx.cancelled?.has(delivery)) return outcome;
    if (run.terminated !== null) return finishTerminated(delivery, message, ctx, run, false, store);
    if (outcome.kind !== 'success') return finish(delivery, message, ctx, run, outcome, false, store, release);
    logSucceeded(ctx, message, outcome);
    if (!store || !ctx.writer) return outcome;
    const written = ctx.writer.store(run.meta('SUCCESS', outcome.value, []), run.request);
    // The slot can take the next task while the writer batches this result.
    release?.();
    return written.then(
      () => outcome,
      (error: unknown) => {
        logStoreFailed(ctx, message, error);
        return outcome;
      },
    );
  });
}

async function executeAny(
  delivery: Delivery,
  message: TaskMessage,
  definition: TaskDefinition,
  ctx: ExecutionContext,
  run: MessageRun,
  acksLate: boolean,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  const outcome = await trace(definition, run, ctx);
  ctx.running?.delete(run, run.runningSlot);
  if (run.terminated !== null) return finishTerminated(delivery, message, ctx, run, acksLate, store);
  const finished = finish(delivery, message, ctx, run, outcome, acksLate, store, release);
  return acksLate && ctx.blocking ? ctx.blocking.trackEnding(finished) : finished;
}

/** Everything after the run: a retry sent, the outcome stored, the follow-ups sent, a late ack. */
async function finish(
  delivery: Delivery,
  message: TaskMessage,
  ctx: ExecutionContext,
  run: MessageRun,
  traced: TraceOutcome,
  acksLate: boolean,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  // Cancelled by a shutdown: the message went back to the queue, this outcome counts for nothing.
  if (ctx.cancelled?.has(delivery)) return traced;
  // A retry that cannot be sent turns into a failure of the task, which is then stored as one.
  const outcome = traced.kind === 'retry' ? await sendRetry(delivery, message, traced, ctx) : traced.kind === 'replace' ? await sendReplacement(message, traced, ctx) : traced;
  if (outcome.kind === 'failure' && acksLate && ctx.failurePolicy !== undefined) {
    await finishByPolicy(delivery, message, ctx, run, outcome, ctx.failurePolicy);
    return outcome;
  }
  let recorded: boolean;
  if (outcome.kind === 'success') recorded = await finishSuccess(message, ctx, run, outcome, acksLate, store, release);
  else if (outcome.kind === 'retry') recorded = await stored(ctx, message, run.store(run.meta('RETRY', outcome.exception, [[[message.id, null], null]], outcome.traceback)));
  // Replaced: the replacement stores this id's result and carries the follow-ups and chord part.
  else if (outcome.kind === 'replace') recorded = true;
  else recorded = await finishFailure(message, ctx, run, outcome, acksLate);
  if (!acksLate) {
    // A body past its hard limit in the async pool keeps its slot until it settles.
    if (traced.kind === 'failure' && traced.stillRunning !== undefined) await traced.stillRunning;
    return outcome;
  }
  // Nothing was recorded: give the message back so it runs again rather than vanish. A follow-up
  // that failed does not count: the outcome is recorded, and running again would repeat the task.
  if (recorded) await delivery.ack().catch((error: unknown) => ctx.logger.error(`ack failed for ${message.id}: ${(error as Error).message}`));
  else await delivery.reject({ requeue: true }).catch(() => {});
  // A body past its hard limit in the async pool keeps its slot until it settles.
  if (traced.kind === 'failure' && traced.stillRunning !== undefined) await traced.stillRunning;
  return outcome;
}

/** A late-acked failure under `rejectOnWorkerLost` / `acksOnFailureOrTimeout` (failure-ack.ts). */
async function finishByPolicy(delivery: Delivery, message: TaskMessage, ctx: ExecutionContext, run: MessageRun, outcome: Failure, policy: FailurePolicy): Promise<void> {
  const { disposition, store } = failureDisposition(outcome.exception, policy);
  if (disposition !== 'ack' && ctx.events?.on === true) ctx.events.rejected(message.id, disposition === 'requeue');
  let recorded = true;
  if (store) recorded = await finishFailure(message, ctx, run, outcome, true);
  else ctx.logger.warn(`Task ${message.task}[${message.id}]: its worker was lost (${outcome.exception.exc_message.map(String).join(', ')}); the message goes back to the queue`);
  // Nothing recorded: back to the queue, as without the policy.
  if (disposition === 'ack' && recorded) await delivery.ack().catch((error: unknown) => ctx.logger.error(`ack failed for ${message.id}: ${(error as Error).message}`));
  else await delivery.reject({ requeue: disposition === 'requeue' || !recorded }).catch(() => {});
  if (outcome.stillRunning !== undefined) await outcome.stillRunning;
}

/** Follow-ups first (their ids are the result's children, as in Celery), then the result, then the chord. */
async function finishSuccess(message: TaskMessage, ctx: ExecutionContext, run: MessageRun, outcome: Success, acksLate: boolean, store: boolean, release: (() => void) | undefined): Promise<boolean> {
  const { embed } = message;
  // Most tasks have no follow-ups: skip the await (and its promises) entirely.
  const children = embed.callbacks === null && embed.chain === null ? [] : await sendSuccessFollowups(message, outcome.value, ctx);
  logSucceeded(ctx, message, outcome);
  let recorded = true;
  if (store && ctx.writer) {
    const written = ctx.writer.store(run.meta('SUCCESS', outcome.value, children), run.request);
    // The slot can take the next task while the writer batches this result; a late ack and a chord
    // part keep it, as what they do next depends on the stored result.
    if (!acksLate && embed.chord === null) release?.();
    recorded = await stored(ctx, message, written);
  }
  // A message going back to the queue is counted in its chord by the run that records it.
  if (embed.chord !== null && (recorded || !acksLate)) await completeChordPart(message, 'SUCCESS', outcome.value, ctx);
  return recorded;
}

async function finishFailure(message: TaskMessage, ctx: ExecutionContext, run: MessageRun, outcome: Failure, acksLate: boolean): Promise<boolean> {
  ctx.logger.error(
    `Task ${message.task}[${message.id}] raised unexpected: ${outcome.exception.exc_type}(${outcome.exception.exc_message.map((m) => shortRepr(m)).join(', ')})${outcome.traceback ? `\n${outcome.traceback}` : ''}`,
  );
  const recorded = await stored(ctx, message, run.store(run.meta('FAILURE', outcome.exception, undefined, outcome.traceback)));
  // A message going back to the queue leaves its follow-ups to the run that records it.
  if (!recorded && acksLate) return false;
  await completeChordPart(message, 'FAILURE', outcome.exception, ctx);
  await sendFailureFollowups(message, outcome.exception, outcome.traceback, ctx);
  return recorded;
}
