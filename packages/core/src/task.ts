/**
 * The typed task API: one definition that a worker runs and a producer imports as a type only.
 * Argument and result types flow from the function to every caller without code generation.
 */
import type { Logger } from './logger.js';
import type { ResultMeta, TaskStateName, WaitOptions } from './backend.js';
import type { ImmutableSignature, SignatureData } from './signature.js';
import type { SignatureBuilder } from './signature-types.js';
import type { ChunksSignature, MapSignature, SingleArgument } from './canvas/builtins/constructors.js';
import { chunks as chunksOf, map as mapOf, starmap as starmapOf } from './canvas/builtins/constructors.js';
import { CelerityError, ConfigurationError } from './errors.js';
import { parseParameterNames } from './task-params.js';
import type { RateLimit, RateLimitScope } from './rate-limit.js';
import { checkRateLimitScope, parseRateLimit } from './rate-limit.js';

/** What a running task can see and do; passed as the function's last parameter. */
export interface TaskContext {
  /** This task's id. */
  readonly id: string;
  /** Registered task name. */
  readonly name: string;
  /** How many times this task was retried so far. */
  readonly retries: number;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly groupId: string | null;
  /** The worker's node name (`celerity@host`). */
  readonly hostname: string;
  /** The queue the message came from. */
  readonly queue: string;
  /**
   * Aborts when the soft time limit passes (reason `SoftTimeLimitExceeded`, so
   * `signal.throwIfAborted()` or any awaited API given the signal throws it, and the task may catch
   * it), when the hard time limit passes in the async pool (reason `TimeLimitExceeded`), when the
   * task is revoked with `terminate` (reason `TaskRevokedError`, message `terminated`), and on a
   * cold shutdown. Aborting does not stop an async body: it runs, and keeps its slot, until it
   * returns or throws. A synchronous loop never sees it: only the thread and process pools can stop
   * one (the hard limit kills the child).
   */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Schedules this task again (same id, retries + 1) and stops the current run. Always throws. */
  retry(options?: RetryOptions): never;
  /** Stores a custom state (e.g. `PROGRESS`) with meta, like Celery's `update_state`. */
  updateState(state: TaskStateName, meta?: unknown): Promise<void>;
  /**
   * Replaces this task with `signature` (Celery's `Task.replace`) and stops the current run. Always
   * throws. The replacement's result is stored under this task's id (a chain's last task, or for a
   * group the list of its results); it takes over this task's callbacks, errbacks, the rest of its
   * chain and its place in a chord (counted once). Nothing is stored for this run itself. Throws a
   * `ConfigurationError` for a signature that is already part of a chord or an empty chain.
   * @example
   * const fanOut = defineTask('tasks.fan_out', (n: number, ctx: TaskContext) => ctx.replace(group(Array.from({ length: n }, (_, i) => add.s(i, i)))));
   */
  replace(signature: SignatureData): never;
}

/** Options of {@link TaskContext.retry}. */
export interface RetryOptions {
  /** Seconds to wait before running again. @default the task's `defaultRetryDelay` (180 s) */
  countdown?: number;
  /** Absolute time to run again (wins over `countdown`). */
  eta?: Date;
  /** The error that caused the retry (stored in RETRY, raised when retries are exhausted). */
  exc?: unknown;
  /** Overrides the task's `maxRetries` for this call. */
  maxRetries?: number | null;
}

/** Thrown by `ctx.retry()`; the worker turns it into a republish + RETRY state. */
export class RetryRequest extends CelerityError {
  readonly options: RetryOptions;
  constructor(options: RetryOptions) {
    super('RETRY', `Retry in ${options.countdown ?? 'default'}s`);
    this.options = options;
  }
}

/** Options that live with a task definition. */
export interface TaskOptions {
  /** Registered name, e.g. `tasks.add`. */
  name: string;
  /**
   * Parameter names, in order, excluding the context (`'y?'` marks one with a default). Lets Python callers pass keywords
   * (`add.delay(2, y=3)`) and survives minification. When absent they are read from the
   * function's source, which a minifier may rename.
   * @example ['x', 'y']
   */
  params?: readonly string[];
  /** Default queue. @default 'celery' */
  queue?: string;
  /** Default priority (0–9). */
  priority?: number;
  /** Acknowledge after the task ran instead of before. @default false */
  acksLate?: boolean;
  /** Retries allowed through `ctx.retry()` / `autoretryFor`; null = unlimited. @default 3 */
  maxRetries?: number | null;
  /** Seconds before a retry when no countdown is given. @default 180 */
  defaultRetryDelay?: number;
  /**
   * Errors (by class, or by name: the error's `name` or its class's name) that trigger an automatic
   * retry (Celery's `autoretry_for`), counted against `maxRetries`; once they are used up the task
   * fails with the error itself.
   * @example autoretryFor: [FetchError, 'TimeoutError']
   */
  autoretryFor?: ReadonlyArray<(abstract new (...args: never[]) => Error) | string>;
  /**
   * Errors (by class or name, as `autoretryFor`) that never trigger an automatic retry, even when
   * `autoretryFor` lists them or a base class of theirs (Celery's `dont_autoretry_for`).
   * @example autoretryFor: [HttpError], dontAutoretryFor: [NotFoundError]
   */
  dontAutoretryFor?: ReadonlyArray<(abstract new (...args: never[]) => Error) | string>;
  /**
   * Exponential backoff for automatic retries (Celery's `retry_backoff`): `true` = 1 s base, or the
   * base in seconds; retry n (0-based) waits `min(retryBackoffMax, base × 2^n)` seconds, cut to a
   * random whole number of seconds in `[0, that]` while `retryJitter` is on. Without it an automatic
   * retry waits `defaultRetryDelay`.
   * @default false
   */
  retryBackoff?: boolean | number;
  /** Longest backoff of an automatic retry, in seconds (Celery's `retry_backoff_max`). @default 600 */
  retryBackoffMax?: number;
  /**
   * Full jitter on backoff countdowns (Celery's `retry_jitter`): a random whole number of seconds
   * between 0 and the backoff, so that tasks failing together do not all retry together.
   * @default true
   */
  retryJitter?: boolean;
  /**
   * Hard time limit in seconds (a message's `timelimit` header wins; the worker's `timeLimit` applies
   * when neither gives one). When it passes FAILURE `TimeLimitExceeded` is stored. In the thread and
   * process pools the child running the task is killed and replaced. In the async pool the body
   * cannot be killed: `ctx.signal` aborts, the FAILURE is stored at the limit, and the body keeps its
   * concurrency slot until it settles; a synchronous body that returns past its limit is stored as
   * FAILURE `TimeLimitExceeded` too.
   */
  timeLimit?: number;
  /**
   * Soft time limit in seconds (header, then task, then worker default, as `timeLimit`). When it
   * passes, `ctx.signal` aborts with a `SoftTimeLimitExceeded` reason, in every pool: the task sees
   * it at its next `signal.throwIfAborted()` or awaited call given the signal, and may catch it
   * (uncaught, FAILURE `SoftTimeLimitExceeded` is stored). A synchronous loop that never looks at
   * the signal does not see it.
   */
  softTimeLimit?: number;
  /** Do not store the final state. @default false */
  ignoreResult?: boolean;
  /** Store STARTED when the task begins. @default worker setting */
  trackStarted?: boolean;
  /**
   * Most tasks of this kind started per second (Celery's `rate_limit`): `'10/s'`, `'100/m'`,
   * `'1000/h'`, or a number per second; `0` / `''` = none. Counted on each worker by a token bucket
   * holding one token (no bursts: starts are spaced `1 / rate` apart), or for the whole cluster with
   * `rateLimitScope: 'cluster'`. A task over its limit waits, its message unacked, without taking a
   * concurrency slot. Checked by `defineTask` (a `ConfigurationError` for a bad value).
   * @default the worker's `defaultRateLimit` (none)
   * @example defineTask({ name: 'mail.send', rateLimit: '100/m' }, send)
   */
  rateLimit?: RateLimit;
  /**
   * `'worker'`: `rateLimit` holds on each worker alone, as in Celery. `'cluster'`: it holds for
   * every worker together, in a bucket on the broker (Redis, memory; with AMQP the worker needs
   * `rateLimits.limiter`, else `createWorker` throws a `ConfigurationError`).
   * @default the worker's `rateLimits.scope` ('worker')
   */
  rateLimitScope?: RateLimitScope;
  /** Body serializer when sending. @default 'json' */
  serializer?: string;
}

/** A function a task runs. Its last parameter may be the {@link TaskContext}. */
export type TaskFunction = (...args: never[]) => unknown;

/** Drops a trailing `TaskContext` parameter from a parameter tuple. */
export type StripContext<P extends unknown[]> = P extends [...infer Head, infer Last]
  ? [Last] extends [TaskContext]
    ? [TaskContext] extends [Last]
      ? Head
      : P
    : P
  : P;

/** A defined task. `A` are the arguments callers pass, `R` the (awaited) result. */
export interface TaskDefinition<A extends unknown[] = unknown[], R = unknown> {
  readonly kind: 'celerity.task';
  readonly name: string;
  readonly options: Readonly<TaskOptions>;
  /** Parameter names used to map keyword arguments (excludes the context). */
  readonly params: readonly string[];
  /** The implementation. Called with the bound arguments and the context last. */
  readonly fn: (...args: unknown[]) => unknown;
  /**
   * Builds a signature for canvas (`add.s(2, 2)`). It may hold only the trailing arguments: a
   * parent's result is prepended (`multiply.s(10)` in a chain runs `multiply(previous, 10)`).
   */
  readonly s: SignatureBuilder<A, R>;
  /** An immutable signature: ignores the parent's result. */
  si(...args: A): ImmutableSignature<R>;
  /** `celery.map` over this task (Celery's `task.map(it)`): one message calling it with each item; see `map`. */
  map(items: readonly SingleArgument<A>[]): MapSignature<R>;
  /** `celery.starmap` over this task (Celery's `task.starmap(it)`): each item is an argument list; see `starmap`. */
  starmap(items: readonly A[]): MapSignature<R>;
  /** `celery.chunks` of this task (Celery's `task.chunks(it, n)`); see `chunks` and `chunksGroup`. */
  chunks(items: readonly A[], n: number): ChunksSignature<R>;
  /** Phantom types for inference. Never present at run time. */
  readonly __args?: A;
  readonly __result?: R;
}

/** The argument tuple of a task definition. */
export type TaskArgs<T> = T extends TaskDefinition<infer A, unknown> ? A : never;
/** The result type of a task definition. */
export type TaskResult<T> = T extends TaskDefinition<unknown[], infer R> ? R : never;

/** Anything that exposes tasks to a worker: an array, or a module namespace (`import * as tasks`). */
export type TaskCollection = readonly TaskDefinition[] | Readonly<Record<string, unknown>>;

/**
 * Defines a task.
 * @example
 * export const add = defineTask('tasks.add', async (x: number, y: number) => x + y);
 * export const resize = defineTask({ name: 'images.resize', params: ['url', 'width'], queue: 'images' },
 *   async (url: string, width: number, ctx: TaskContext) => { ... });
 */
export function defineTask<F extends TaskFunction>(
  nameOrOptions: string | TaskOptions,
  fn: F,
): TaskDefinition<StripContext<Parameters<F>>, Awaited<ReturnType<F>>> {
  const options: TaskOptions = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : { ...nameOrOptions };
  if (!options.name) throw new TypeError('defineTask: a task needs a name');
  if (typeof fn !== 'function') throw new TypeError(`defineTask(${options.name}): the implementation must be a function`);
  // Fail at definition time, not when the first message comes.
  parseRateLimit(options.rateLimit);
  checkRateLimitScope(options.rateLimitScope, `defineTask(${options.name}): rateLimitScope`);
  checkRetryOptions(options);
  const params = options.params ? [...options.params] : parseParameterNames(fn);
  const name = options.name;
  const ref = { kind: 'celerity.task' as const, name };
  const sig = (args: unknown[], immutableSig: boolean) => ({
    task: name,
    args,
    kwargs: {},
    options: {},
    subtask_type: null,
    immutable: immutableSig,
  });
  return Object.freeze({
    kind: 'celerity.task' as const,
    name,
    options: Object.freeze(options),
    params: Object.freeze(params),
    fn: fn as unknown as (...args: unknown[]) => unknown,
    s: (...args: unknown[]) => sig(args, false),
    si: (...args: unknown[]) => sig(args, true),
    map: (items: readonly unknown[]) => mapOf(ref, items),
    starmap: (items: readonly unknown[][]) => starmapOf(ref, items),
    chunks: (items: readonly unknown[][], n: number) => chunksOf(ref, items, n),
  }) as unknown as TaskDefinition<StripContext<Parameters<F>>, Awaited<ReturnType<F>>>;
}

function checkRetryOptions(options: TaskOptions): void {
  const max = options.retryBackoffMax;
  if (max !== undefined && !(typeof max === 'number' && max >= 0)) throw new ConfigurationError(`defineTask(${options.name}): retryBackoffMax must be a number of seconds ≥ 0, got ${String(max)}`);
  const base = options.retryBackoff;
  if (typeof base === 'number' && !(base >= 0 && Number.isFinite(base))) throw new ConfigurationError(`defineTask(${options.name}): retryBackoff must be true, false or seconds ≥ 0, got ${String(base)}`);
}

/** Whether a value is a task definition. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'celerity.task';
}

/** Collects the task definitions of an array or module namespace, keyed by name. */
export function collectTasks(tasks: TaskCollection): Map<string, TaskDefinition> {
  const out = new Map<string, TaskDefinition>();
  const values = Array.isArray(tasks) ? tasks : Object.values(tasks as Record<string, unknown>);
  for (const value of values) {
    if (!isTaskDefinition(value)) continue;
    const existing = out.get(value.name);
    if (existing && existing !== value) throw new TypeError(`Two different tasks are named ${JSON.stringify(value.name)}`);
    out.set(value.name, value);
  }
  return out;
}

/** A handle on a sent task's result; the client implements it. */
export interface AsyncResult<R = unknown> {
  readonly id: string;
  /** The current state (PENDING when nothing is stored). */
  state(): Promise<TaskStateName>;
  /** Whether the task reached SUCCESS, FAILURE or REVOKED. */
  ready(): Promise<boolean>;
  successful(): Promise<boolean>;
  failed(): Promise<boolean>;
  /**
   * Waits for the result. Throws `TimeoutError` after `timeout` **seconds** (Celery's unit) and
   * `TaskError` when the task failed or was revoked.
   */
  get(options?: WaitOptions): Promise<R>;
  /** The stored record (null while PENDING). */
  meta(): Promise<ResultMeta | null>;
  /** Deletes the stored result. */
  forget(): Promise<void>;
}
