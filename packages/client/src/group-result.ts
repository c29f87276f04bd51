/**
 * The result of a `group`: one {@link AsyncResult} per member, read together. It also satisfies
 * the single-result contract (its value is the list of member values) so `client.apply()` can
 * return one type for every kind of signature.
 */
import type { Control, RevokeOptions } from './control.js';
import type { AsyncResult as AsyncResultContract, ResultBackend, ResultMeta, TaskStateName } from '@celerity/core';
import { ConfigurationError, TaskError, TaskState, TimeoutError } from '@celerity/core';
import type { GetOptions } from './async-result.js';
import { AsyncResult, resultsDisabled } from './async-result.js';

/** Options of {@link GroupResult.join}. */
export interface JoinOptions extends Omit<GetOptions, 'onState'> {
  /**
   * Reject with the first failure (in member order) as a `TaskError`; when false, a failed member's
   * place in the list holds its `TaskError` instead. @default true
   */
  propagate?: boolean;
}

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
  /** The result before this group in a chain, when known (Celery's `parent`); else null. */
  readonly parent: AsyncResult | GroupResult | null;

  /**
   * Rebuilds a group saved with {@link GroupResult.save} (by Celerity or Celery's `GroupResult.save()`),
   * as Celery's `GroupResult.restore(id)`; null when nothing is saved under `id`.
   * `client.groupResult(id)` does the same with the client's backend.
   */
  static async restore<R extends unknown[] = unknown[]>(id: string, backend: ResultBackend, control: Control | null = null): Promise<GroupResult<R> | null> {
    const members = await backend.getGroup(id);
    return members ? new GroupResult<R>(id, members.map((m) => new AsyncResult<R[number]>(m, backend, control)), backend, control) : null;
  }

  /** @param control how `revoke()` reaches the workers (the client's); null: `revoke()` throws. */
  constructor(
    id: string,
    results: ReadonlyArray<AsyncResult<R[number]>>,
    backend: ResultBackend | null,
    control: Control | null = null,
    parent: AsyncResult | GroupResult | null = null,
  ) {
    this.id = id;
    // The members arrive in the order of R, one per element.
    this.results = results as GroupMemberResults<R>;
    this.#backend = backend;
    this.#control = control;
    this.parent = parent;
  }

  /**
   * Stores the member ids under the group id (Celery's `GroupResult.save()`, key
   * `celery-taskset-meta-<id>` in Redis) so {@link GroupResult.restore} can rebuild it anywhere.
   * `client.apply(group(…))` already saves the groups it sends.
   */
  async save(): Promise<void> {
    await this.#require().saveGroup(
      this.id,
      this.results.map((r) => r.id),
    );
  }

  /** The members (Celery's `GroupResult.children`); what `collect()` walks into. */
  async children(): Promise<Array<AsyncResult | GroupResult>> {
    return [...this.results];
  }

  /**
   * Waits for the members one after the other, in order, and returns their values (Celery's
   * `join()`); `timeout` (seconds) bounds the whole wait.
   */
  async join(options: JoinOptions = {}): Promise<R> {
    this.#require();
    const { timeout, propagate = true, signal } = options;
    const deadline = timeout === undefined ? undefined : performance.now() + timeout * 1000;
    const values: unknown[] = [];
    for (const member of this.results) {
      const opts: GetOptions = {};
      if (signal !== undefined) opts.signal = signal;
      if (deadline !== undefined) opts.timeout = Math.max(0, (deadline - performance.now()) / 1000);
      try {
        values.push(await member.get(opts));
      } catch (error) {
        if (error instanceof TaskError && !propagate) {
          values.push(error);
          continue;
        }
        if (error instanceof TimeoutError && timeout !== undefined) {
          throw new TimeoutError(`Timed out after ${timeout} s joining the results of group ${this.id}`, { cause: error });
        }
        throw error;
      }
    }
    return values as unknown as R;
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

  /** Whether some member is not ready yet (Celery's `waiting()`). */
  async waiting(): Promise<boolean> {
    return !(await this.ready());
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

  /** Whether any member failed or was revoked (Celery's `failed()`). */
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
