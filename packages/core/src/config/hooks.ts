/**
 * Hooks: Celery's signals as typed functions on the configuration. The client and the worker call
 * them at the same points as Celery sends its signals. A hook may be async: it is awaited before
 * the step it precedes goes on (a `taskPrerun` finishes before the task body starts, a
 * `beforeTaskPublish` before the publish), so keep hooks short — they sit on the task's path. A hook
 * that throws or rejects is logged and otherwise ignored: never the task's failure, never the
 * worker's. With no hook set, nothing is called and nothing is allocated.
 */
import type { ExceptionInfo } from '../backend.js';
import type { PublishTarget } from '../broker.js';
import type { Logger } from '../logger.js';
import type { TaskMessageInit } from '../message.js';

/** Who published: a client's send, or a worker sending a retry or a workflow's next step. */
export type PublishSender = 'client' | 'worker';

/** A task message about to be (or just) published (Celery's `before_task_publish` / `after_task_publish`). */
export interface TaskPublishEvent {
  readonly task: string;
  readonly id: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The queue (Celery's `routing_key` for the default exchange). */
  readonly queue: string;
  readonly exchange: string | undefined;
  readonly routingKey: string | undefined;
  /** When the task may run; null for at once. */
  readonly eta: Date | null;
  readonly retries: number;
  readonly sender: PublishSender;
}

/** A task run as a hook sees it (Celery's `task_id`, `task`, `args`, `kwargs`). */
export interface TaskRunEvent {
  readonly id: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly retries: number;
  /** The worker's node name. */
  readonly hostname: string;
  /** The queue the message came from. */
  readonly queue: string;
}

/**
 * After a run (Celery's `task_postrun`): its state and return value (or exception); `IGNORED` for a
 * run that replaced itself (`ctx.replace()`), with the replacement signature as `result`.
 */
export interface TaskPostrunEvent extends TaskRunEvent {
  readonly state: 'SUCCESS' | 'FAILURE' | 'RETRY' | 'IGNORED';
  readonly result: unknown;
}

/** A task returned (Celery's `task_success`). */
export interface TaskSuccessEvent extends TaskRunEvent {
  readonly result: unknown;
}

/** A task failed (Celery's `task_failure`). */
export interface TaskFailureEvent extends TaskRunEvent {
  readonly exception: ExceptionInfo;
  readonly traceback: string | null;
  /** What the task threw, when it threw in this process. */
  readonly error: unknown;
}

/** A task asked to be retried and its retry was sent (Celery's `task_retry`). */
export interface TaskRetryEvent extends TaskRunEvent {
  /** Why (the exception given to `retry`), when there was one. */
  readonly reason: ExceptionInfo | null;
  /** When the retry runs. */
  readonly eta: Date;
}

/** A task was revoked (Celery's `task_revoked`): not run, expired, or terminated while running. */
export interface TaskRevokedEvent {
  readonly id: string;
  readonly task: string;
  readonly hostname: string;
  readonly terminated: boolean;
  /** The signal named with `terminate`, when terminated. */
  readonly signal: string | null;
  readonly expired: boolean;
}

/** A worker event (Celery's `worker_ready`, `worker_shutdown`). */
export interface WorkerEvent {
  readonly hostname: string;
}

/** A worker begins to stop (Celery's `worker_shutting_down`), and how. */
export interface WorkerShuttingDownEvent extends WorkerEvent {
  readonly mode: 'warm' | 'soft' | 'cold';
}

type Hook<E> = (event: E) => void | Promise<void>;

/** Celery's signals, as hooks. Every one is optional. */
export interface Hooks {
  /** Before a task message is published, by a client or a worker (`before_task_publish`). */
  beforeTaskPublish?: Hook<TaskPublishEvent>;
  /** After the broker took a task message (`after_task_publish`). */
  afterTaskPublish?: Hook<TaskPublishEvent>;
  /** Before a task body starts, in the worker (`task_prerun`). */
  taskPrerun?: Hook<TaskRunEvent>;
  /** After a run, its outcome stored and its follow-ups sent (`task_postrun`). */
  taskPostrun?: Hook<TaskPostrunEvent>;
  /** A task returned (`task_success`); called before `taskPostrun`. */
  taskSuccess?: Hook<TaskSuccessEvent>;
  /** A task failed (`task_failure`); called before `taskPostrun`. */
  taskFailure?: Hook<TaskFailureEvent>;
  /** A task's retry was sent (`task_retry`); called before `taskPostrun`. */
  taskRetry?: Hook<TaskRetryEvent>;
  /** A task was skipped as revoked or expired, or its run ended after a terminate (`task_revoked`). */
  taskRevoked?: Hook<TaskRevokedEvent>;
  /** The worker consumes (`worker_ready`). */
  workerReady?: Hook<WorkerEvent>;
  /** The worker begins to stop (`worker_shutting_down`). */
  workerShuttingDown?: Hook<WorkerShuttingDownEvent>;
  /** The worker stopped: nothing runs, its connections are closed (`worker_shutdown`). */
  workerShutdown?: Hook<WorkerEvent>;
}

/** The event type of a hook. */
export type HookEvent<K extends keyof Hooks> = Parameters<NonNullable<Hooks[K]>>[0];

/**
 * Calls one hook if it is set and waits for it; an error it throws or rejects with is logged, never
 * passed on. Resolves at once (without calling anything) when the hook is not set.
 * @example await emitHook(hooks, 'workerReady', { hostname }, logger);
 */
export async function emitHook<K extends keyof Hooks>(hooks: Hooks | undefined, name: K, event: HookEvent<K>, logger: Logger): Promise<void> {
  const hook = hooks?.[name] as Hook<HookEvent<K>> | undefined;
  if (hook === undefined) return;
  try {
    await hook(event);
  } catch (error) {
    logger.error(`hook ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { error });
  }
}

/** Whether any of the named hooks is set (callers skip building events otherwise). */
export function hasHook(hooks: Hooks | undefined, ...names: ReadonlyArray<keyof Hooks>): boolean {
  if (hooks === undefined) return false;
  for (const name of names) if (hooks[name] !== undefined) return true;
  return false;
}

/** A message to publish, as the client and the worker hold it before encoding. */
export interface PublishedMessage {
  init: TaskMessageInit;
  target: PublishTarget;
}

function publishEvent(message: PublishedMessage, sender: PublishSender): TaskPublishEvent {
  const { init, target } = message;
  return {
    task: init.task,
    id: init.id,
    args: init.args ?? [],
    kwargs: init.kwargs ?? {},
    queue: target.queue,
    exchange: target.exchange,
    routingKey: target.routingKey,
    eta: init.eta ?? null,
    retries: init.retries ?? 0,
    sender,
  };
}

/**
 * Calls `beforeTaskPublish` or `afterTaskPublish` for each message, in order. Returns `undefined`
 * (so the caller awaits nothing) when that hook is not set.
 * @example const before = emitPublishHooks(hooks, 'beforeTaskPublish', messages, 'client', logger); if (before) await before;
 */
export function emitPublishHooks(
  hooks: Hooks | undefined,
  name: 'beforeTaskPublish' | 'afterTaskPublish',
  messages: readonly PublishedMessage[],
  sender: PublishSender,
  logger: Logger,
): Promise<void> | undefined {
  if (hooks?.[name] === undefined) return undefined;
  return (async () => {
    for (const message of messages) await emitHook(hooks, name, publishEvent(message, sender), logger);
  })();
}
