/**
 * Runs one task call and classifies the outcome (success, failure, retry) the way Celery's tracer
 * does. Shared by the worker and the client's eager mode; it touches no broker and no backend.
 */
import type { ExceptionInfo } from '../backend.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RetryOptions, TaskContext, TaskDefinition } from '../task.js';
import type { TaskStateName } from '../backend.js';
import { RetryRequest } from '../task.js';
import type { SignatureData } from '../signature.js';
import { ReplaceRequest, checkReplacement } from '../canvas/builtins/replace.js';
import { UnrecoverableError } from '../errors.js';
import { bindArguments } from '../task-params.js';
import { formatTraceback } from '../protocol/exceptions.js';
import { autoretryCountdown, matchesAutoretry } from './autoretry.js';
import { CeleryException, SoftTimeLimitExceeded, TimeLimitExceeded, exceptionInfoOf } from './exceptions.js';

/** What the tracer needs to know about the call. */
export interface TraceRequest {
  id: string;
  name: string;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
  retries: number;
  rootId: string | null;
  parentId: string | null;
  groupId: string | null;
  hostname: string;
  queue: string;
  /** `[hard, soft]` seconds from the message; null = the definition's limits. */
  timeLimit: readonly [number | null, number | null];
}

/** Seams the caller provides. */
export interface TraceEnvironment {
  logger: Logger;
  /** Stores a custom state (ctx.updateState). */
  updateState(state: TaskStateName, meta: unknown): Promise<void>;
  /** Aborted by the caller on a forced worker shutdown; `ctx.signal` follows it. */
  signal?: AbortSignal;
  /**
   * Called once per run, before the task body starts, with the run's abort handle: calling its
   * `abort(reason)` aborts `ctx.signal` (the worker's revoke-with-terminate uses it).
   */
  bindAbort?(run: RunAbort): void;
  /** Timer seam for time limits; wins over `clock`'s timers. @default the clock's */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Clock seam for the runtime measured (monotonic ms). @default performance.now */
  now?: () => number;
  /** Wall clock for retry ETAs and timers for time limits. @default systemClock */
  clock?: Clock;
  /**
   * `[hard, soft]` seconds applied when neither the message nor the task gives one (the worker's
   * `timeLimit` / `softTimeLimit`, Celery's `task_time_limit` / `task_soft_time_limit`).
   */
  readonly defaultTimeLimit?: readonly [number | null, number | null] | undefined;
}

/** The abort handle of one run (see {@link TraceEnvironment.bindAbort}). */
export interface RunAbort {
  abort(reason: unknown): void;
}

/** The result of one run. */
export type TraceOutcome =
  | { kind: 'success'; value: unknown; runtime: number }
  | {
      kind: 'failure';
      exception: ExceptionInfo;
      traceback: string | null;
      error: unknown;
      runtime: number;
      /**
       * Set when the hard time limit passed while the body was still running (async code cannot be
       * killed): settles when the body does. The worker keeps the run's concurrency slot until then.
       */
      stillRunning?: Promise<unknown>;
    }
  | {
      kind: 'retry';
      /** When to run again. */
      eta: Date;
      countdown: number;
      exception: ExceptionInfo | null;
      traceback: string | null;
      runtime: number;
    }
  /** The body called `ctx.replace(signature)`: apply `replacementSignature(message, signature)` instead of storing anything. */
  | { kind: 'replace'; signature: SignatureData; runtime: number };

const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_RETRY_DELAY = 180;

const performanceNow = (): number => performance.now();
const noop = (): void => {};
function retry(options: RetryOptions = {}): never {
  throw new RetryRequest(options);
}


/**
 * The abort side of one run. The AbortController (and its listener on the outer signal) exists only
 * once the task reads `ctx.signal`: most tasks never do, and it was one of the largest per-task
 * costs. An abort before that is kept and applied when the signal is first read. It is its own
 * event listener (`handleEvent`), so a run allocates no closures for it.
 */
class LazySignal {
  private controller: AbortController | undefined;
  private pending: { reason: unknown } | undefined;
  constructor(private readonly outer: AbortSignal | undefined) {}

  handleEvent(): void {
    this.abort(this.outer?.reason);
  }

  abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason);
    else this.pending ??= { reason };
  }

  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    if (this.pending) controller.abort(this.pending.reason);
    else if (this.outer?.aborted) controller.abort(this.outer.reason);
    else this.outer?.addEventListener('abort', this, { once: true });
    return controller.signal;
  }

  dispose(): void {
    if (this.controller) this.outer?.removeEventListener('abort', this);
  }
}

/**
 * The `ctx` a task receives. A class rather than an object literal: a literal with a getter is
 * built by a runtime call on every run, which made it one of the larger per-task costs. `signal`
 * and `updateState` are getters so that a destructured `{ signal, updateState }` still works.
 */
class RunContext implements TaskContext {
  readonly id: string;
  readonly name: string;
  readonly retries: number;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly groupId: string | null;
  readonly hostname: string;
  readonly queue: string;
  readonly logger: Logger;
  readonly retry: (options?: RetryOptions) => never = retry;

  readonly #env: TraceEnvironment;
  readonly #lazy: LazySignal;

  constructor(request: TraceRequest, env: TraceEnvironment, lazy: LazySignal) {
    this.#env = env;
    this.#lazy = lazy;
    this.id = request.id;
    this.name = request.name;
    this.retries = request.retries;
    this.args = request.args;
    this.kwargs = request.kwargs;
    this.rootId = request.rootId;
    this.parentId = request.parentId;
    this.groupId = request.groupId;
    this.hostname = request.hostname;
    this.queue = request.queue;
    this.logger = env.logger;
  }

  get signal(): AbortSignal {
    return this.#lazy.signal;
  }

  // A prototype method (no per-run cost) that does not use `this`, so a destructured `replace` works.
  replace(sig: SignatureData): never {
    throw new ReplaceRequest(checkReplacement(sig));
  }

  get updateState(): (state: TaskStateName, meta?: unknown) => Promise<void> {
    const env = this.#env;
    return (state, meta) => env.updateState(state, meta ?? null);
  }
}

/**
 * The `[hard, soft]` limits in seconds of one run, as Celery picks them: the message's `timelimit`
 * header, else the task's options, else the worker-wide defaults; null = none. 0 counts as none.
 */
export function effectiveTimeLimits(definition: TaskDefinition, request: Pick<TraceRequest, 'timeLimit'>, env: Pick<TraceEnvironment, 'defaultTimeLimit'>): [number | null, number | null] {
  const hard = request.timeLimit[0] ?? definition.options.timeLimit ?? env.defaultTimeLimit?.[0] ?? null;
  const soft = request.timeLimit[1] ?? definition.options.softTimeLimit ?? env.defaultTimeLimit?.[1] ?? null;
  return [hard !== null && hard > 0 ? hard : null, soft !== null && soft > 0 ? soft : null];
}

/**
 * Runs `definition` for `request`. Never throws: every error becomes an outcome.
 * @example
 * const outcome = await traceTask(add, request, { logger, updateState: async () => {} });
 */
export function traceTask(definition: TaskDefinition, request: TraceRequest, env: TraceEnvironment): Promise<TraceOutcome> {
  // As effectiveTimeLimits, without its array: this runs for every task.
  const hard = request.timeLimit[0] ?? definition.options.timeLimit ?? env.defaultTimeLimit?.[0] ?? null;
  const soft = request.timeLimit[1] ?? definition.options.softTimeLimit ?? env.defaultTimeLimit?.[1] ?? null;
  if ((soft !== null && soft > 0) || (hard !== null && hard > 0)) return traceLimited(definition, request, env, hard !== null && hard > 0 ? hard : null, soft !== null && soft > 0 ? soft : null);
  return traceUnlimited(definition, request, env);
}

/**
 * The run of a task without time limits: no timers, no race. Its own small function because an
 * async function's suspended frame holds every register of the function, and this path is per task.
 */
function traceUnlimited(definition: TaskDefinition, request: TraceRequest, env: TraceEnvironment): Promise<TraceOutcome> {
  const now = env.now ?? performanceNow;
  const started = now();
  const lazy = new LazySignal(env.signal);
  env.bindAbort?.(lazy);
  let running: unknown;
  try {
    const bound = bindArguments(request.name, definition.params, request.args, request.kwargs);
    running = definition.fn(...bound, new RunContext(request, env, lazy));
  } catch (error) {
    lazy.dispose();
    return Promise.resolve(classifyError(definition, request, env, error, (now() - started) / 1000));
  }
  return Promise.resolve(running).then(
    (value): TraceOutcome => {
      lazy.dispose();
      return { kind: 'success', value, runtime: (now() - started) / 1000 };
    },
    (error: unknown): TraceOutcome => {
      lazy.dispose();
      return classifyError(definition, request, env, error, (now() - started) / 1000);
    },
  );
}

async function traceLimited(
  definition: TaskDefinition,
  request: TraceRequest,
  env: TraceEnvironment,
  hard: number | null,
  soft: number | null,
): Promise<TraceOutcome> {
  const now = env.now ?? performanceNow;
  const started = now();
  const lazy = new LazySignal(env.signal);
  env.bindAbort?.(lazy);
  const clock = env.clock ?? systemClock;
  // Called as methods (not pulled off `clock`): a user's clock may rely on `this`.
  const setTimer = (fn: () => void, ms: number): unknown => (env.setTimeout ? env.setTimeout(fn, ms) : clock.setTimeout(fn, ms));
  const timers: unknown[] = [];
  // Only tasks with a hard limit race against it (two promises fewer per task otherwise).
  let hardLimit: Promise<never> | undefined;
  if (soft !== null && soft > 0) timers.push(setTimer(() => lazy.abort(new SoftTimeLimitExceeded()), soft * 1000));
  if (hard !== null && hard > 0) {
    let hardExpired: ((error: TimeLimitExceeded) => void) | undefined;
    hardLimit = new Promise<never>((_, reject) => {
      hardExpired = reject;
    });
    hardLimit.catch(() => {});
    timers.push(
      setTimer(() => {
        const error = new TimeLimitExceeded(hard);
        lazy.abort(error);
        hardExpired?.(error);
      }, hard * 1000),
    );
  }

  let body: Promise<unknown> | undefined;
  try {
    const bound = bindArguments(request.name, definition.params, request.args, request.kwargs);
    const running: unknown = definition.fn(...bound, new RunContext(request, env, lazy));
    if (hardLimit === undefined) {
      const value = await running;
      return { kind: 'success', value, runtime: (now() - started) / 1000 };
    }
    body = Promise.resolve(running);
    const value = await Promise.race([body, hardLimit]);
    body = undefined;
    const runtime = (now() - started) / 1000;
    // A synchronous body holds the event loop, so the timer could not fire before it returned:
    // past its hard limit, it is a time-limit failure all the same, never a SUCCESS.
    if (hard !== null && runtime >= hard) return failure(new TimeLimitExceeded(hard), runtime);
    return { kind: 'success', value, runtime };
  } catch (error) {
    const outcome = classifyError(definition, request, env, error, (now() - started) / 1000);
    // The limit won the race: the body goes on, and whoever holds its slot waits for it to settle.
    if (error instanceof TimeLimitExceeded && body !== undefined && outcome.kind === 'failure') outcome.stillRunning = body.then(noop, noop);
    return outcome;
  } finally {
    for (const timer of timers) {
      if (env.clearTimeout) env.clearTimeout(timer);
      else clock.clearTimeout(timer);
    }
    lazy.dispose();
  }
}

function failure(error: unknown, runtime: number): TraceOutcome {
  const withTraceback = !(error instanceof TimeLimitExceeded);
  return {
    kind: 'failure',
    exception: exceptionInfoOf(error),
    traceback: withTraceback ? formatTraceback(error) : null,
    error,
    runtime,
  };
}

function classifyError(definition: TaskDefinition, request: TraceRequest, env: TraceEnvironment, error: unknown, runtime: number): TraceOutcome {
  if (error instanceof ReplaceRequest) return { kind: 'replace', signature: error.signature, runtime };
  if (error instanceof UnrecoverableError || error instanceof TimeLimitExceeded) return failure(error, runtime);
  let options: RetryOptions | null = null;
  if (error instanceof RetryRequest) options = error.options;
  else if (matchesAutoretry(definition, error)) options = { exc: error, countdown: autoretryCountdown(definition, request.retries) };
  if (!options) return failure(error, runtime);

  // `null` means unlimited, at the call and on the task alike: only `undefined` falls back.
  const taskMax = definition.options.maxRetries;
  const maxRetries = options.maxRetries !== undefined ? options.maxRetries : taskMax !== undefined ? taskMax : DEFAULT_MAX_RETRIES;
  if (maxRetries !== null && request.retries >= maxRetries) {
    const cause = options.exc ?? new CeleryException('MaxRetriesExceededError', 'celery.exceptions', [
      `Can't retry ${request.name}[${request.id}] args:${JSON.stringify(request.args)} kwargs:${JSON.stringify(request.kwargs)}`,
    ]);
    return failure(cause, runtime);
  }
  const now = (env.clock ?? systemClock).now();
  const countdown = options.eta ? Math.max(0, (options.eta.getTime() - now) / 1000) : (options.countdown ?? definition.options.defaultRetryDelay ?? DEFAULT_RETRY_DELAY);
  const eta = options.eta ?? new Date(now + countdown * 1000);
  const exc = options.exc ?? null;
  return {
    kind: 'retry',
    eta,
    countdown,
    exception: exc === null ? null : exceptionInfoOf(exc),
    traceback: exc === null ? null : formatTraceback(exc),
    runtime,
  };
}
