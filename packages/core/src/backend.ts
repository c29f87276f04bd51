/**
 * The result-store contract: Celery task states and the result record in the Redis backend's
 * JSON shape, plus the group / chord primitives canvas needs.
 */

/** Celery's built-in task states. Custom states (e.g. `PROGRESS`) are any other string. */
export const TaskState = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  RETRY: 'RETRY',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  REVOKED: 'REVOKED',
  REJECTED: 'REJECTED',
  IGNORED: 'IGNORED',
} as const;

/** A built-in state name or a custom one. */
export type TaskStateName = (typeof TaskState)[keyof typeof TaskState] | (string & {});

/** States after which a task's result does not change (`AsyncResult.ready()`). */
export const READY_STATES: ReadonlySet<string> = new Set([TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED]);
/**
 * The result fence every persistent backend applies on `store`: whether `next` may replace the
 * state stored for the same task id (`undefined` = nothing stored).
 * - A stored SUCCESS is final (Celery's own rule: a redelivered or stale run finishing later must
 *   not overwrite it).
 * - A stored FAILURE or REVOKED is replaced by a SUCCESS only. Celery guards SUCCESS alone, so a
 *   run that succeeds after a recorded failure (the redelivered copy of a task whose worker was
 *   lost, a task revoked while it already ran) ends SUCCESS there; a late STARTED, RETRY, progress
 *   state or second failure from a stale run no longer hides the first outcome.
 * - Anything else (PENDING, STARTED, RETRY, custom states) can be replaced: a retry reuses its
 *   task id, so RETRY → STARTED → SUCCESS must go through.
 * @example
 * replacesStoredState('FAILURE', 'STARTED'); // false
 * replacesStoredState('RETRY', 'SUCCESS'); // true
 */
export function replacesStoredState(stored: TaskStateName | undefined, next: TaskStateName): boolean {
  if (stored === undefined || !READY_STATES.has(stored)) return true;
  return stored !== TaskState.SUCCESS && next === TaskState.SUCCESS;
}

/** Ready states whose result is an exception dict that `get()` raises. */
export const PROPAGATE_STATES: ReadonlySet<string> = new Set([TaskState.FAILURE, TaskState.REVOKED]);

/** Celery's exception dict, as stored in `result` for FAILURE / RETRY / REVOKED. */
export interface ExceptionInfo {
  exc_type: string;
  /** Exception args, always a list. */
  exc_message: unknown[];
  exc_module: string | null;
}

/**
 * The result record, key for key as Celery's Redis backend stores it in `celery-task-meta-<id>`
 * (`status, result, traceback, children, date_done, [group_id], [parent_id], [extended…], task_id`).
 */
export interface ResultMeta {
  status: TaskStateName;
  /** Return value, {@link ExceptionInfo}, STARTED `{pid, hostname}`, or custom-state meta. */
  result: unknown;
  traceback: string | null;
  /** Result tuples of tasks this task sent (`[[id, parent], null]` or group tuples). */
  children: unknown[];
  /** ISO 8601 (`…+00:00` when written by us; naive from Celery ≤ 5.4); null until ready. */
  date_done: string | null;
  group_id?: string;
  parent_id?: string;
  /** `result_extended` fields. */
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
  task_id: string;
}

/** Options of {@link ResultBackend.wait} and of `AsyncResult.get`. */
export interface WaitOptions {
  /**
   * Give up after this many **seconds** (a `TimeoutError`), as Celery's `get(timeout=…)`; fractions
   * are allowed (`0.5`). Unbounded when absent.
   */
  timeout?: number;
  signal?: AbortSignal;
  /** Called for every non-ready state seen while waiting (STARTED, RETRY, PROGRESS…). */
  onState?: (meta: ResultMeta) => void;
}

/** One finished chord header task, as stored in the `.j` sorted set. */
export interface ChordPart {
  taskId: string;
  /** Position in the header (`group_index`). */
  index: number;
  status: TaskStateName;
  result: unknown;
}

/** What {@link ResultBackend.chordPartReturn} answers. */
export type ChordProgress =
  | { complete: false }
  /** The last part arrived: header results ordered by index. Exactly one caller sees this. */
  | { complete: true; parts: ChordPart[] };

/**
 * The request a result belongs to, as the worker holds it (Celery passes `request` to its
 * backends): what a backend needs to route the result besides the record itself.
 */
export interface ResultRequest {
  /** The caller's reply queue (`reply_to` of the task message); where `rpc://` sends the result. */
  replyTo?: string;
  /** The task message's correlation id (Celery sets it to the task id). */
  correlationId?: string;
}

/** What a backend can do; the client and the conformance suite read it. */
export interface ResultBackendCapabilities {
  /** Results persist and can be read by any client (Redis), not only the caller (`rpc://`). */
  persistent: boolean;
  /**
   * Results travel to the caller's reply queue (`rpc://`): the client must put its reply queue in
   * every message's `reply_to`, and `store` needs the request's `replyTo`.
   */
  replyQueue: boolean;
  /** `chordInit` / `chordPartReturn` count chord header results (chords can be used). */
  chords: boolean;
}

/** The result backend contract every adapter implements. */
export interface ResultBackend extends AsyncDisposable {
  /** URL scheme family, e.g. `memory`, `redis`, `rpc`. */
  readonly name: string;
  readonly capabilities: ResultBackendCapabilities;
  connect(): Promise<void>;
  /**
   * Stores a state, unless the stored one is fenced against it ({@link replacesStoredState}: a
   * SUCCESS is final, a FAILURE / REVOKED gives way to a SUCCESS only); a fenced store is a no-op
   * that resolves. Publishes the change so
   * waiters wake up. `request` is the task request the state belongs to (the worker passes the
   * message's `reply_to` and correlation id); a backend with `capabilities.replyQueue` sends the
   * state there, and without a `replyTo` it has nowhere to send it.
   */
  store(meta: ResultMeta, request?: ResultRequest): Promise<void>;
  /**
   * Stores many states in as few round trips as possible (same rules as `store`); `requests[i]`,
   * when given, is the request of `metas[i]`.
   */
  storeMany(metas: readonly ResultMeta[], requests?: readonly (ResultRequest | undefined)[]): Promise<void>;
  /** The stored record, or null (PENDING). */
  get(taskId: string): Promise<ResultMeta | null>;
  /** Resolves with the record once it is in a ready state (SUCCESS, FAILURE, REVOKED). */
  wait(taskId: string, options?: WaitOptions): Promise<ResultMeta>;
  /**
   * Starts listening for a task's result before it can arrive: call it before the task is
   * published (the client does, at send time), since `wait` may then skip reading the store.
   * `request` is what the task message will carry (the client passes its `replyTo`): a backend
   * with `capabilities.replyQueue` listens on that queue. A returned promise means "publish only
   * once it settles" (Celery's `on_task_call`: `rpc://` declares and consumes the reply queue
   * first, or an early result would have nowhere to go); it rejects when that failed.
   * Optional for persistent backends, where `wait` must also work without it.
   */
  watch?(taskId: string, request?: ResultRequest): void | Promise<void>;
  /**
   * A fresh task id this backend can wait for cheaply (the Redis backend covers all the ids it
   * minted with one subscription). The client uses it for the ids it generates; without it, uuid4.
   */
  newTaskId?(): string;
  /** Deletes the stored record. */
  forget(taskId: string): Promise<void>;
  /** Saves a group's member ids (`celery-taskset-meta-<gid>`). */
  saveGroup(groupId: string, taskIds: readonly string[]): Promise<void>;
  /** The member ids of a saved group, or null. */
  getGroup(groupId: string): Promise<string[] | null>;
  /** Deletes a saved group. */
  forgetGroup(groupId: string): Promise<void>;
  /** Records a chord's header size before its header tasks are sent. */
  chordInit(groupId: string, size: number): Promise<void>;
  /** Records one finished header task; tells whether it was the last. */
  chordPartReturn(groupId: string, part: ChordPart): Promise<ChordProgress>;
  close(): Promise<void>;
}
