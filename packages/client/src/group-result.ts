/**
 * The result of a `group`: one {@link AsyncResult} per member, read together. It also satisfies
 * the single-result contract (its value is the list of member values) so `client.apply()` can
 * return one type for every kind of signature.
 */
import type { Control, RevokeOptions } from './control.js';
import type { AsyncResult as AsyncResultContract, ResultBackend, ResultMeta, TaskStateName } from '@celerity/core';
import { ConfigurationError, TaskState, TimeoutError } from '@celerity/core';
import type { GetOptions } from './async-result.js';
import { AsyncResult, resultsDisabled } from './async-result.js';

/** One {@link AsyncResult} per element of a group's result type: a tuple for a tuple. */
export type GroupMemberResults<R extends readonly unknown[]> = { readonly [K in keyof R]: AsyncResult<R[K]> };

/**
 * Results of a group's members, in the order they were given, like Celery's `GroupResult`.
 * @example
 * const g = await client.apply(group([add.s(1, 1), add.s(2, 2)]));
 * if (g instanceof GroupResult) console.log(await g.completedCount());
 * console.log(await g.get({ timeout: 5 })); // [2, 4]
 */
export class GroupResult<R extends readonly unknown[] = unknown[]> implements AsyncResultContract<R> {
  /** The group id (the `group` header of every member). */
  readonly id: string;
  /** One result per member, in order: a tuple typed member by member when the group's members were. */
  readonly results: GroupMemberResults<R>;
  readonly #backend: ResultBackend | null;

  readonly #control: Control | null;

  /** @param control how `revoke()` reaches the workers (the client's); null: `revoke()` throws. */
  constructor(id: string, results: ReadonlyArray<AsyncResult<R[number]>>, backend: ResultBackend | null, control: Control | null = null) {
    this.id = id;
    // The members arrive in the order of R, one per element.
    this.results = results as GroupMemberResults<R>;
    this.#backend = backend;
    this.#control = control;
  }

  /**
   * Revokes every member (Celery's `GroupResult.revoke`), in one request.
   * @example await group.revoke();
   */
  async revoke(options?: RevokeOptions): Promise<void> {
    if (!this.#control) throw new ConfigurationError(`Cannot revoke group ${this.id}: this result was not made by a client`);
    await this.#control.revoke(this.results.map((r) => r.id), options);
  }

  #require(): ResultBackend {
    if (!this.#backend) throw resultsDisabled(this.id);
    return this.#backend;
  }

  /**
   * Waits for every member and returns their values in order. The first failure rejects with its
   * `TaskError` (and stops waiting for the rest); `timeout` (seconds) bounds the whole wait.
   */
  async get(options: GetOptions = {}): Promise<R> {
    this.#require();
    const controller = new AbortController();
    const signals = options.signal ? [options.signal, controller.signal] : [controller.signal];
    const signal = AbortSignal.any(signals);
    const { timeout, onState } = options;
    const waits = this.results.map((r) => {
      const opts: GetOptions = { signal };
      if (timeout !== undefined) opts.timeout = timeout;
      if (onState !== undefined) opts.onState = onState;
      return r.get(opts);
    });
    try {
      return (await Promise.all(waits)) as unknown as R;
    } catch (error) {
      controller.abort();
      // The other waits reject with abort errors nobody reads; keep them from being unhandled.
      for (const w of waits) w.catch(() => undefined);
      if (error instanceof TimeoutError && timeout !== undefined) {
        throw new TimeoutError(`Timed out after ${timeout} s waiting for the results of group ${this.id}`, { cause: error });
      }
      throw error;
    } finally {
      if (!controller.signal.aborted) controller.abort();
    }
  }

  /** Whether every member is ready. */
  async ready(): Promise<boolean> {
    this.#require();
    const states = await Promise.all(this.results.map((r) => r.ready()));
    return states.every(Boolean);
  }

  /** How many members succeeded. */
  async completedCount(): Promise<number> {
    this.#require();
    const states = await Promise.all(this.results.map((r) => r.successful()));
    return states.filter(Boolean).length;
  }

  /** Whether every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.completedCount()) === this.results.length;
  }

  /** Whether any member failed or was revoked. */
  async failed(): Promise<boolean> {
    this.#require();
    const states = await Promise.all(this.results.map((r) => r.failed()));
    return states.some(Boolean);
  }

  /**
   * An aggregate state: FAILURE if any member failed, SUCCESS when all succeeded, STARTED when some
   * member is past PENDING, else PENDING. (Celery's GroupResult has no state; this is for the shared contract.)
   */
  async state(): Promise<TaskStateName> {
    this.#require();
    const states = await Promise.all(this.results.map((r) => r.state()));
    if (states.some((s) => s === TaskState.FAILURE || s === TaskState.REVOKED)) return TaskState.FAILURE;
    if (states.every((s) => s === TaskState.SUCCESS)) return TaskState.SUCCESS;
    return states.some((s) => s !== TaskState.PENDING) ? TaskState.STARTED : TaskState.PENDING;
  }

  /** A group has no record of its own: always null. Read `results[i].meta()` instead. */
  async meta(): Promise<ResultMeta | null> {
    this.#require();
    return null;
  }

  /** Deletes the saved group and every member's result. */
  async forget(): Promise<void> {
    const backend = this.#require();
    await Promise.all([backend.forgetGroup(this.id), ...this.results.map((r) => r.forget())]);
  }

  /** `GroupResult(<id>)`, for logs. */
  toString(): string {
    return `GroupResult(${this.id})`;
  }
}
