/**
 * The client's public shapes: its options, the client itself, and typed task references. Types flow
 * from a task definition (imported as a type only) to every send and result.
 */
import type { Control, RevokeOptions } from './control.js';
import type {
  Adapter,
  CanStart,
  Broker,
  CelerityConfig,
  Hooks,
  ImmutableSignature,
  Logger,
  QueueDeclaration,
  ResultBackend,
  Serializer,
  Signature,
  SignatureArgs,
  SignatureBuilder,
  SignatureData,
  SignatureResult,
  TaskArgs,
  TaskCollection,
  TaskDefinition,
  TaskResult,
  TaskRoutes,
} from '@celerity/core';
import type { AsyncResult } from './async-result.js';
import type { GroupResult } from './group-result.js';
import type { SendOptions } from './send-options.js';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /**
   * The app-level configuration (Celery's settings, from `defineConfig` / `loadConfig`): the client
   * reads `brokerUrl`, `resultBackend`, `taskDefaultQueue`, `taskRoutes`, `taskSerializer`,
   * `resultExpires` and `hooks` from it; an option given here too wins.
   * @example createClient({ config: loadConfig({ env: process.env }) })
   */
  config?: CelerityConfig;  /**
   * A broker URL, resolved by the adapters in `adapters` (`memory://` needs none), or a broker
   * instance (which the client then does not close).
   * @default 'memory://'
   * @example 'redis://localhost:6379/0'
   */
  broker?: string | Broker;
  /**
   * A result backend URL or instance. Absent = results disabled: sending works and reading a result
   * throws a ConfigurationError.
   * @example 'redis://localhost:6379/0'
   */
  backend?: string | ResultBackend;
  /**
   * The adapters that resolve `broker` and `backend` URLs: each adapter package exports its own
   * (`brokerAdapter` from `@celerity/broker-redis`, `backendAdapter` from `@celerity/backend-redis`…).
   * @example [brokerAdapter, backendAdapter]
   */
  adapters?: readonly Adapter[];
  /** Body serializer: `'json'`, or the name of one in `serializers`, or an instance. @default 'json' */
  serializer?: 'json' | 'msgpack' | (string & {}) | Serializer;
  /** Extra serializers selectable by name, e.g. `[createMsgpackSerializer()]`. */
  serializers?: readonly Serializer[];
  /** Queue for tasks that name none (Celery's `task_default_queue`). @default 'celery' */
  defaultQueue?: string;
  /**
   * Celery's `task_routes`: where tasks go whose send options and definition name no queue — by exact
   * name, by glob (`'images.*'`) or regular expression, or by a function; a list is tried in order.
   * @example createClient({ taskRoutes: { 'images.*': 'images', 'tasks.add': { queue: 'math', priority: 5 } } })
   */
  taskRoutes?: TaskRoutes;
  /**
   * Hooks (Celery's signals) the client calls: `beforeTaskPublish` and `afterTaskPublish` around each
   * publish (awaited; an error in one is logged, never thrown). Eager runs publish nothing.
   */
  hooks?: Hooks;
  /**
   * Send Celery's `task-sent` event (on the broker's `celeryev` exchange, routing key `task.sent`)
   * after each task is published, for `celery events`, Flower and `celerity events` (Celery's
   * `task_send_sent_event`).
   * @default false
   */
  taskSendSentEvent?: boolean;
  /**
   * Celery's `result_expires`: seconds results live, passed as `expires` to a backend created from a
   * URL (unless `backendOptions` sets it).
   * @default the backend's own (1 day)
   */
  resultExpires?: number;
  /** This client's id, sent as `reply_to` (Celery's app oid; the `rpc://` backend replies there). @default a random uuid */
  appId?: string;
  /**
   * OpenTelemetry: a PRODUCER span `apply_async/<task>` around each send, its context written to
   * the message's `traceparent` header (read by Celerity workers and Python's Celery instrumentation,
   * ignored by a plain Celery worker), when `@opentelemetry/api` is installed and an SDK records.
   * `false` turns it off.
   * @default true
   */
  tracing?: boolean;
  /** @default silentLogger */
  logger?: Logger;
  /** The `origin` header, sent only when set (lean messages leave it out; Celery reads it for logs only). */
  origin?: string;
  /**
   * Run tasks in-process when they are sent (Celery's `task_always_eager`), for tests. Needs `tasks`.
   * Results go to `backend`, or to a private memory backend when none is given.
   * @default false
   */
  eager?: boolean;
  /** Task definitions: run in eager mode, and their options (queue, priority, limits) used as send defaults. */
  tasks?: TaskCollection;
  /** Declare each queue on the broker before its first publish, as Celery does. @default true */
  declareQueues?: boolean;
  /** How to declare particular queues (e.g. `{ maxPriority: 10 }` to match the worker's declaration). */
  queues?: Readonly<Record<string, QueueDeclaration>>;
  /** Adapter options passed to the broker factory when `broker` is a URL. */
  brokerOptions?: Record<string, unknown>;
  /** Adapter options passed to the backend factory when `backend` is a URL. */
  backendOptions?: Record<string, unknown>;
  /** Clock seam (countdown, expires). @default () => new Date() */
  now?: () => Date;
  /** Task id factory. @default crypto.randomUUID */
  generateId?: () => string;
}

/** A typed handle on one task, by name, for sending and building signatures. */
export interface TaskRef<A extends unknown[] = unknown[], R = unknown> {
  /** The registered task name. */
  readonly name: string;
  /** Sends the task with positional arguments; resolves once the broker took the message. */
  delay(...args: A): Promise<AsyncResult<R>>;
  /** Sends the task with options (`countdown`, `queue`, `priority`…). */
  applyAsync(args: A, options?: SendOptions): Promise<AsyncResult<R>>;
  /**
   * A signature for canvas; it may hold only the trailing arguments, a parent's result being
   * prepended (`mul.s(10)` in a chain runs `mul(previous, 10)`).
   */
  readonly s: SignatureBuilder<A, R>;
  /** An immutable signature: ignores the parent's result. */
  si(...args: A): ImmutableSignature<R>;
}

/** One item of {@link Client.sendMany}. */
export interface SendManyItem {
  /** Task name or definition. */
  task: string | TaskDefinition;
  /** @default [] */
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  options?: SendOptions;
}

/** What `client.apply()` is checked against for a signature that still needs a parent's result, so the error says so. */
export interface NeedsParentResult<Takes> {
  readonly 'signature still takes, in front of its own arguments': Takes;
}

/** What `client.apply()` returns for a signature: a GroupResult for groups, else an AsyncResult. */
export type ApplyResult<S> = S extends { readonly subtask_type: 'group' }
  ? GroupResult<SignatureResult<S> extends readonly unknown[] ? SignatureResult<S> : unknown[]>
  : AsyncResult<SignatureResult<S>>;

/** Sends tasks and reads their results. */
export interface Client extends AsyncDisposable {
  /** The broker messages go to. */
  readonly broker: Broker;
  /** The result backend, or null when results are disabled. */
  readonly backend: ResultBackend | null;
  /** This client's id (`reply_to`). */
  readonly appId: string;

  /** A typed reference to a task, from its definition's type: `client.task<typeof add>('tasks.add')`. */
  task<T extends TaskDefinition = TaskDefinition>(name: string): TaskRef<TaskArgs<T>, TaskResult<T>>;
  /** A reference to a task living elsewhere (e.g. Python), with its types spelled out. */
  task<A extends unknown[], R = unknown>(name: string): TaskRef<A, R>;
  /** A reference from a definition value (its options become send defaults). */
  task<D extends TaskDefinition>(definition: D): TaskRef<TaskArgs<D>, TaskResult<D>>;

  /** Sends a task by name, typed by its definition; resolves once the broker took the message. */
  send<T extends TaskDefinition = TaskDefinition>(name: string, args: TaskArgs<T>, options?: SendOptions): Promise<AsyncResult<TaskResult<T>>>;
  /** Sends a task by name with explicit argument and result types. */
  send<A extends unknown[], R = unknown>(name: string, args: A, options?: SendOptions): Promise<AsyncResult<R>>;
  /** Sends a task given its definition value. */
  send<D extends TaskDefinition>(definition: D, args: TaskArgs<D>, options?: SendOptions): Promise<AsyncResult<TaskResult<D>>>;

  /** Sends many tasks in one broker round trip (`publishMany`); results in the same order. */
  sendMany(items: readonly SendManyItem[]): Promise<AsyncResult[]>;

  /**
   * Applies a signature: a plain one is sent; `chain` sends its first task carrying the rest;
   * `group` sends every member; `chord` records the header size then sends the header. A signature
   * that still needs a parent's result (`mul.s(10)`, or a chain starting with one) does not compile.
   */
  apply<S extends SignatureData>(signature: S & (CanStart<S> extends true ? unknown : NeedsParentResult<SignatureArgs<S>>)): Promise<ApplyResult<S>>;

  /** A result handle for a task id (e.g. one stored elsewhere). */
  result<R = unknown>(id: string): AsyncResult<R>;
  /** The saved group with this id, or null when the backend has none. */
  /**
   * Revokes tasks on every worker, Celery's and Celerity's (Celery's `app.control.revoke`): not
   * started → skipped and REVOKED stored; with `terminate`, a running one is stopped. Kept in the
   * broker's durable revoke store (3 h) for workers that start later.
   * @example await client.revoke(result.id, { terminate: true });
   */
  revoke(ids: string | readonly string[], options?: RevokeOptions): Promise<void>;
  /** Remote control of the workers (`ping`, `revoke`, any command by name). */
  readonly control: Control;
  groupResult<R extends unknown[] = unknown[]>(id: string): Promise<GroupResult<R> | null>;

  /** Connects the broker and backend now (they otherwise connect on first use). */
  connect(): Promise<void>;
  /** Closes the broker and backend if this client created them from URLs. Idempotent. */
  close(): Promise<void>;
}
