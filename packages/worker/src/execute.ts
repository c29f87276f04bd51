/**
 * Runs one accepted task message end to end: ack (early or late), STARTED, the call itself,
 * the final state in Celery's format, retries republished, canvas follow-ups.
 */
import type { Delivery, Logger, ResultMeta, ResultRequest, TaskDefinition, TaskMessage, TaskMessageInit, TaskStateName } from '@celerity/core';
import { encodeTaskMessage, silentLogger } from '@celerity/core';
import { buildResultMeta, traceTask } from '@celerity/core/internal';
import type { ResultMetaFields, TraceEnvironment, TraceOutcome, TraceRequest } from '@celerity/core/internal';
import type { FollowupContext } from './followups.js';
import { completeChordPart, sendFailureFollowups, sendSuccessFollowups } from './followups.js';
import type { ResultWriter } from './result-writer.js';
import { shortRepr } from './repr.js';
import { resultRequestOf } from './request.js';

/** Worker-wide settings the executor reads. */
export interface ExecutionContext extends FollowupContext {
  hostname: string;
  writer: ResultWriter | null;
  trackStarted: boolean;
  acksLate: boolean;
  resultExtended: boolean;
  /** Aborted on a forced shutdown. */
  signal: AbortSignal;
}

/** Whether the final state is stored (Celery 5.6.3 rules: the header, when present, wins). */
function storesResult(message: TaskMessage, definition: TaskDefinition): boolean {
  if (message.ignoreResult !== null) return !message.ignoreResult;
  return !definition.options.ignoreResult;
}

function extendedFields(message: TaskMessage, queue: string, hostname: string) {
  return { name: message.task, args: message.args, kwargs: message.kwargs, worker: hostname, retries: message.retries, queue };
}

/** The message a retry republishes: same id, retries + 1, new eta, parent = itself (Celery 5.2/5.3+). */
export function retryMessage(message: TaskMessage, eta: Date): TaskMessageInit {
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
    headers: message.customHeaders,
  };
  if (message.origin) init.origin = message.origin;
  if (message.replyTo) init.replyTo = message.replyTo;
  if (message.priority !== null) init.priority = message.priority;
  return init;
}

/**
 * One run's trace request and environment in a single object (the tracer reads both), so a task
 * costs one allocation here instead of a request, an environment and an `updateState` closure.
 */
class MessageRun implements TraceRequest, TraceEnvironment {
  constructor(
    private readonly message: TaskMessage,
    readonly queue: string,
    private readonly ctx: ExecutionContext,
  ) {}

  // Getters over the message rather than copies: each is read once or twice per run.
  get id(): string {
    return this.message.id;
  }
  get name(): string {
    return this.message.task;
  }
  get args(): readonly unknown[] {
    return this.message.args;
  }
  get kwargs(): Readonly<Record<string, unknown>> {
    return this.message.kwargs;
  }
  get retries(): number {
    return this.message.retries;
  }
  get rootId(): string | null {
    // Lean senders leave root_id out for a top-level task, which is its own root (Celery's reading too).
    return this.message.rootId ?? this.message.id;
  }
  get parentId(): string | null {
    return this.message.parentId;
  }
  get groupId(): string | null {
    return this.message.group;
  }
  get timeLimit(): readonly [number | null, number | null] {
    return this.message.timeLimit;
  }
  get hostname(): string {
    return this.ctx.hostname;
  }
  get logger(): Logger {
    return this.ctx.logger;
  }
  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  /** A result record of this task (with the `result_extended` fields when the worker keeps them). */
  meta(status: TaskStateName, result: unknown, children?: unknown[], traceback?: string | null): ResultMeta {
    const { message, ctx } = this;
    const fields: ResultMetaFields = { taskId: message.id, groupId: message.group, parentId: message.parentId, status, result };
    if (children !== undefined) fields.children = children;
    if (traceback !== undefined) fields.traceback = traceback;
    if (ctx.resultExtended) fields.extended = extendedFields(message, this.queue, ctx.hostname);
    return buildResultMeta(fields);
  }

  /** Where this run's results are routed (rpc://); computed once, on the first store. */
  get request(): ResultRequest | undefined {
    if (this.#request === null) this.#request = resultRequestOf(this.message);
    return this.#request;
  }
  #request: ResultRequest | undefined | null = null;

  store(meta: ResultMeta): Promise<void> {
    return this.ctx.writer?.store(meta, this.request) ?? Promise.resolve();
  }

  updateState(state: TaskStateName, meta: unknown): Promise<void> {
    return this.store(this.meta(state, meta));
  }
}

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
  if (trackStarted && ctx.writer) void run.store(run.meta('STARTED', { pid: process.pid, hostname: ctx.hostname })).catch(() => {});
  const { embed } = message;
  if (!acksLate && embed.callbacks === null && embed.chain === null && embed.chord === null) return executePlain(delivery, message, definition, ctx, run, store, release);
  return executeAny(delivery, message, definition, ctx, run, acksLate, store, release);
}

function logSucceeded(ctx: ExecutionContext, message: TaskMessage, outcome: Extract<TraceOutcome, { kind: 'success' }>): void {
  // Formatting the line costs more than the rest of a no-op task: skip it for the silent logger.
  if (ctx.logger !== silentLogger) ctx.logger.info(`Task ${message.task}[${message.id}] succeeded in ${outcome.runtime.toFixed(6)}s: ${shortRepr(outcome.value)}`);
}

function logStoreFailed(ctx: ExecutionContext, message: TaskMessage, error: unknown): void {
  ctx.logger.error(`Task ${message.task}[${message.id}]: storing the outcome failed: ${(error as Error).message}`, { error });
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
  return traceTask(definition, run, run).then((outcome) => {
    if (outcome.kind !== 'success') return complete(delivery, message, ctx, run, outcome, false, store, release);
    logSucceeded(ctx, message, outcome);
    if (!store || !ctx.writer) return outcome;
    const stored = ctx.writer.store(run.meta('SUCCESS', outcome.value, []), run.request);
    // The slot can take the next task while the writer batches this result.
    release?.();
    return stored.then(
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
  const outcome = await traceTask(definition, run, run);
  return complete(delivery, message, ctx, run, outcome, acksLate, store, release);
}

/** Everything after the run: follow-ups, the stored state, retries republished, a late ack. */
async function complete(
  delivery: Delivery,
  message: TaskMessage,
  ctx: ExecutionContext,
  run: MessageRun,
  outcome: TraceOutcome,
  acksLate: boolean,
  store: boolean,
  release: (() => void) | undefined,
): Promise<TraceOutcome> {
  try {
    if (outcome.kind === 'success') {
      const { embed } = message;
      // Most tasks have no follow-ups: skip the await (and its promises) entirely.
      const children = embed.callbacks === null && embed.chain === null ? [] : await sendSuccessFollowups(message, outcome.value, ctx);
      logSucceeded(ctx, message, outcome);
      if (store && ctx.writer) {
        const stored = ctx.writer.store(run.meta('SUCCESS', outcome.value, children), run.request);
        // The slot can take the next task while the writer batches this result; a late ack and a chord
        // part keep it, as what they do next depends on the stored result.
        if (!acksLate && embed.chord === null) release?.();
        await stored;
      }
      if (embed.chord !== null) await completeChordPart(message, 'SUCCESS', outcome.value, ctx);
    } else if (outcome.kind === 'retry') {
      const init = retryMessage(message, outcome.eta);
      await ctx.broker.publish(
        { queue: delivery.queue, exchange: delivery.exchange, routingKey: delivery.routingKey || delivery.queue },
        encodeTaskMessage({ origin: ctx.origin, ...init }, { serializer: ctx.serializer }),
      );
      ctx.logger.info(`Task ${message.task}[${message.id}] retry: Retry in ${Math.round(outcome.countdown)}s${outcome.exception ? `: ${outcome.exception.exc_type}(${shortRepr(outcome.exception.exc_message[0])})` : ''}`);
      await run.store(run.meta('RETRY', outcome.exception, [[[message.id, null], null]], outcome.traceback));
    } else {
      ctx.logger.error(
        `Task ${message.task}[${message.id}] raised unexpected: ${outcome.exception.exc_type}(${outcome.exception.exc_message.map((m) => shortRepr(m)).join(', ')})${outcome.traceback ? `\n${outcome.traceback}` : ''}`,
      );
      await run.store(run.meta('FAILURE', outcome.exception, undefined, outcome.traceback));
      await completeChordPart(message, 'FAILURE', outcome.exception, ctx);
      await sendFailureFollowups(message, outcome.exception, outcome.traceback, ctx);
    }
  } catch (error) {
    logStoreFailed(ctx, message, error);
    if (acksLate) {
      // Nothing was recorded: give the message back so it runs again rather than vanish.
      await delivery.reject({ requeue: true }).catch(() => {});
      return outcome;
    }
  }
  if (acksLate) await delivery.ack().catch((error: unknown) => ctx.logger.error(`ack failed for ${message.id}: ${(error as Error).message}`));
  return outcome;
}
