/**
 * One run of a task message as the tracer sees it (its request and environment), and the result
 * records it stores.
 */
import { constants } from 'node:os';
import type { Clock, Logger, ResultMeta, ResultRequest, TaskDefinition, TaskMessage, TaskStateName } from '@celerity/core';
import { TaskRevokedError, buildResultMeta } from '@celerity/core/internal';
import type { ResultMetaFields, RunAbort, RunSpan, TraceEnvironment, TraceRequest } from '@celerity/core/internal';
import type { ExecutionContext } from './execution-context.js';
import { resultRequestOf } from './request.js';
import type { RunningTask } from './running-tasks.js';
import { resultDate } from './result-date.js';

/**
 * The signal a revoke names, as Node's `kill` takes it: Celery accepts `SIGKILL`, `KILL` or `kill`;
 * anything Node does not know becomes SIGTERM (Celery's default) rather than an exception.
 */
function killSignal(name: string): NodeJS.Signals {
  const upper = name.toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return full in constants.signals ? (full as NodeJS.Signals) : 'SIGTERM';
}

/** Whether the final state is stored (Celery 5.6.3 rules: the header, when present, wins). */
export function storesResult(message: TaskMessage, definition: TaskDefinition): boolean {
  if (message.ignoreResult !== null) return !message.ignoreResult;
  return !definition.options.ignoreResult;
}

function extendedFields(message: TaskMessage, queue: string, hostname: string) {
  return { name: message.task, args: message.args, kwargs: message.kwargs, worker: hostname, retries: message.retries, queue };
}

/**
 * One run's trace request and environment in a single object (the tracer reads both), so a task
 * costs one allocation here instead of a request, an environment and an `updateState` closure.
 */
export class MessageRun implements TraceRequest, TraceEnvironment, RunningTask {
  /** The signal name a revoke with `terminate` gave, or null while not terminated. */
  terminated: string | null = null;
  /** The run's OpenTelemetry span, when one records (set by `executeMessage`). */
  span: RunSpan | undefined = undefined;
  /** Its slot in the running tasks (`ctx.running`), while registered there (set by `executeMessage`). */
  runningSlot: number | undefined = undefined;
  #abort: RunAbort | undefined = undefined;

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
  get defaultTimeLimit(): readonly [number | null, number | null] | undefined {
    return this.ctx.defaultTimeLimit;
  }
  /** How the message's body was encoded: a pooled run's arguments and result cross the same way. */
  get contentType(): string {
    return this.message.contentType;
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
  get clock(): Clock {
    return this.ctx.clock;
  }

  bindAbort(abort: RunAbort): void {
    this.#abort = abort;
    // Terminated before its body started (say, while the acks before a blocking body were written).
    if (this.terminated !== null) abort.abort(new TaskRevokedError('terminated'));
  }

  /**
   * Revoke with terminate. In the async pool `ctx.signal` aborts with `TaskRevokedError('terminated')`
   * and the body runs on until it settles; in the thread and process pools the child running it is
   * killed with `signal` (a thread is terminated) and replaced. Either way REVOKED is stored once the run ends.
   */
  terminate(signal: string): void {
    if (this.terminated !== null) return;
    this.terminated = signal;
    this.ctx.logger.info(`Terminating ${this.message.id} (${signal})`);
    this.#abort?.abort(new TaskRevokedError('terminated'));
    this.ctx.pool?.terminate(this.message.id, killSignal(signal));
  }

  /** A result record of this task (with the `result_extended` fields when the worker keeps them). */
  meta(status: TaskStateName, result: unknown, children?: unknown[], traceback?: string | null): ResultMeta {
    const { message, ctx } = this;
    const fields: ResultMetaFields = { taskId: message.id, groupId: message.group, parentId: message.parentId, status, result };
    if (children !== undefined) fields.children = children;
    if (traceback !== undefined) fields.traceback = traceback;
    if (ctx.resultExtended) fields.extended = extendedFields(message, this.queue, ctx.hostname);
    const done = resultDate(ctx.clock);
    if (done !== undefined) fields.now = done;
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
