/**
 * A handle on one task's result: its state, and a `get()` that waits for it through the result
 * backend and turns a remote failure into a typed {@link TaskError}.
 */
import type { AsyncResult as AsyncResultContract, ResultBackend, ResultMeta, TaskStateName, WaitOptions } from '@celerity/core';
import {
  ConfigurationError,
  PROPAGATE_STATES,
  READY_STATES,
  TaskError,
  TaskState,
  TimeoutError,
} from '@celerity/core';
import { parseCeleryDate } from '@celerity/core/internal';
import type { Control, RevokeOptions } from './control.js';
import type { GroupResult } from './group-result.js';
import { resultsFromTuples } from './result-tuple.js';

/** Thrown by every read when the client has no result backend. */
export function resultsDisabled(taskId: string): ConfigurationError {
  return new ConfigurationError(
    `Cannot read the result of task ${taskId}: results are disabled because the client has no result backend ` +
      `(pass \`backend\` to createClient, e.g. backend: 'redis://localhost:6379/0')`,
  );
}

/** Turns a FAILURE / REVOKED record into the error `get()` throws. */
export function taskErrorFromMeta(meta: ResultMeta): TaskError {
  const r = meta.result;
  const info = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : undefined;
  const excType = typeof info?.['exc_type'] === 'string' ? info['exc_type'] : meta.status === TaskState.REVOKED ? 'TaskRevokedError' : 'Exception';
  const rawMessage = info ? info['exc_message'] : r;
  const excMessage = Array.isArray(rawMessage) ? rawMessage : rawMessage === undefined || rawMessage === null ? [] : [rawMessage];
  const excModule = typeof info?.['exc_module'] === 'string' ? info['exc_module'] : null;
  return new TaskError(meta.task_id, meta.status, { excType, excModule, excMessage }, meta.traceback ?? null);
}

/** Thrown by `get()` on a result sent with `ignoreResult`: no worker stores it, so waiting would never end. */
export function resultIgnored(taskId: string): ConfigurationError {
  return new ConfigurationError(
    `Cannot wait for the result of task ${taskId}: it was sent with ignoreResult, so no worker stores it ` +
      `(send it without ignoreResult, or with ignoreResult: false, to read its result)`,
  );
}

/** Links of an {@link AsyncResult} known when it was sent. */
export interface ResultLinks {
  /** The result before this one in a chain (Celery's `AsyncResult.parent`). @default null */
  parent?: AsyncResult | GroupResult | null;
  /** The task was sent with `ignoreResult`: `get()` throws instead of waiting forever. @default false */
  ignored?: boolean;
}

/** Options of {@link AsyncResult.get}. */
export interface GetOptions extends Omit<WaitOptions, 'timeout'> {
  /**
   * Give up after this many **seconds** with a `TimeoutError`, as Celery's `get(timeout=…)`.
   * Fractions are fine (`0.5`). @default unbounded
   * @example await result.get({ timeout: 10 })
   */
  timeout?: number;
}

/**
 * The result of a sent task, like Celery's `AsyncResult`. Cheap to create: `client.result(id)`
 * rebuilds one from an id stored elsewhere.
 * @example
 * const result = await client.send<typeof add>('tasks.add', [2, 2]);
 * console.log(await result.state(), await result.get({ timeout: 5 }));
 */
export class AsyncResult<R = unknown> implements AsyncResultContract<R> {
  /** The task id. */
  readonly id: string;
  readonly #backend: ResultBackend | null;
  /** A ready record never changes (until `forget`), so reads after it skip the backend. */
  #final: ResultMeta | null = null;

  readonly #control: Control | null;
  /**
   * Celery's `parent`, on the result `client.apply()` returns: the previous step of a chain of plain
   * tasks (linked back to the first), or a chord's header. Null otherwise (a chain holding a group or
   * chord, a result rebuilt from an id).
   */
  readonly parent: AsyncResult | GroupResult | null;
  /** The task was sent with `ignoreResult`: nothing will be stored, and `get()` throws. */
  readonly ignored: boolean;

  /**
   * @param backend null when results are disabled: every read then throws a ConfigurationError.
   * @param control how `revoke()` reaches the workers (the client's); null: `revoke()` throws.
   */
  constructor(id: string, backend: ResultBackend | null, control: Control | null = null, links: ResultLinks = {}) {
    this.id = id;
    this.#backend = backend;
    this.#control = control;
    this.parent = links.parent ?? null;
    this.ignored = links.ignored ?? false;
  }

  /**
   * Revokes this task (Celery's `AsyncResult.revoke`): see {@link Control.revoke}.
   * @example await result.revoke({ terminate: true });
   */
  async revoke(options?: RevokeOptions): Promise<void> {
    if (!this.#control) throw new ConfigurationError(`Cannot revoke task ${this.id}: this result was not made by a client (use client.result(id))`);
    await this.#control.revoke(this.id, options);
  }

  #require(): ResultBackend {
    if (!this.#backend) throw resultsDisabled(this.id);
    return this.#backend;
  }

  /** The stored record, or null while the task is PENDING (or unknown). */
  async meta(): Promise<ResultMeta | null> {
    if (this.#final) return this.#final;
    const meta = await this.#require().get(this.id);
    if (meta && READY_STATES.has(meta.status)) this.#final = meta;
    return meta;
  }

  /** The current state: `PENDING` when nothing is stored yet. */
  async state(): Promise<TaskStateName> {
    return (await this.meta())?.status ?? TaskState.PENDING;
  }

  /** Whether the task reached SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  /** Whether the task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.state()) === TaskState.SUCCESS;
  }

  /** Whether the task failed or was revoked. */
  async failed(): Promise<boolean> {
    return PROPAGATE_STATES.has(await this.state());
  }

  /**
   * Waits for the task to finish and returns its value. Throws `TimeoutError` after `timeout` seconds,
   * `TaskError` (with `excType`, `excMessage`, `traceback`) when it failed or was revoked.
   */
  async get(options: GetOptions = {}): Promise<R> {
    const backend = this.#require();
    if (this.ignored) throw resultIgnored(this.id);
    let meta = this.#final;
    if (!meta) {
      try {
        const { timeout, ...rest } = options;
        meta = await backend.wait(this.id, timeout === undefined ? rest : { ...rest, timeout });
      } catch (error) {
        if (error instanceof TimeoutError && options.timeout !== undefined) {
          throw new TimeoutError(`Timed out after ${options.timeout} s waiting for the result of task ${this.id}`, { cause: error });
        }
        throw error;
      }
      this.#final = meta;
    }
    if (PROPAGATE_STATES.has(meta.status)) throw taskErrorFromMeta(meta);
    return meta.result as R;
  }

  /** The return value if the task succeeded, the exception dict if it failed, else the state's meta (or null). */
  async result(): Promise<unknown> {
    return (await this.meta())?.result ?? null;
  }

  /** The remote traceback of a failed task, else null. */
  async traceback(): Promise<string | null> {
    return (await this.meta())?.traceback ?? null;
  }

  /** When the task finished, or null while it is not ready. */
  async dateDone(): Promise<Date | null> {
    const text = (await this.meta())?.date_done;
    return text ? parseCeleryDate(text) : null;
  }

  /**
   * The results of the tasks this task sent (Celery's `children`): what the worker stored with the
   * task's record, i.e. its callbacks and the next step of its chain, a group as a {@link GroupResult}.
   * Empty while nothing is stored (PENDING) or the task sent nothing.
   */
  async children(): Promise<Array<AsyncResult | GroupResult>> {
    const children = (await this.meta())?.children;
    return Array.isArray(children) ? resultsFromTuples(children, this.#require(), this.#control, this.id) : [];
  }

  /**
   * Walks the result graph breadth first from this result (itself first, then its children, theirs…)
   * and yields each result with its value, as Celery's `collect()`: each one is waited for (`options`
   * apply to each wait; a failure rejects with its `TaskError`) before its children are read.
   * @example for await (const [result, value] of first.collect({ timeout: 10 })) console.log(result.id, value);
   */
  async *collect(options: GetOptions = {}): AsyncGenerator<[AsyncResult | GroupResult, unknown]> {
    const queue: Array<AsyncResult | GroupResult> = [this];
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      yield [node, await node.get(options)];
      queue.push(...(await node.children()));
    }
  }

  /** Deletes the stored result. */
  async forget(): Promise<void> {
    this.#final = null;
    await this.#require().forget(this.id);
  }

  /** `AsyncResult(<id>)`, for logs. */
  toString(): string {
    return `AsyncResult(${this.id})`;
  }
}
