/**
 * `apply_async` options in TypeScript terms, and their resolution into a {@link TaskMessageInit}
 * plus a publish target. The client runs this once per message on the hot path of `sendMany`,
 * and canvas (client and worker alike) for every message a workflow sends, so it builds one
 * object and validates with plain comparisons.
 */
import type { PublishTarget } from '../broker.js';
import type { Embed, TaskMessageInit } from '../message.js';
import type { Serializer } from '../serializer.js';
import type { SignatureData } from '../signature.js';
import type { TaskDefinition } from '../task.js';
import type { Route, TaskRouter } from '../config/routes.js';
import { ConfigurationError } from '../errors.js';

/** Options of one send (`apply_async` in Celery). */
export interface SendOptions {
  /** Keyword arguments (Python `**kwargs`); for tasks that take them by name. @default {} */
  kwargs?: Record<string, unknown>;
  /** The task id to use instead of a new uuid4. */
  taskId?: string;
  /** Queue to send to. @default the task's `queue`, else its route (`taskRoutes`), else the sender's `defaultQueue` ('celery') */
  queue?: string;
  /** Routing key. @default the queue name */
  routingKey?: string;
  /** Exchange. @default '' (the default exchange, which routes straight to `queue`) */
  exchange?: string;
  /** 0–9 (0 is highest on Redis, 9 on RabbitMQ). @default the task's `priority`, else its route's, else none */
  priority?: number;
  /** Run no earlier than this many seconds from now (becomes the `eta` header). Wins over `eta`, as in Celery. */
  countdown?: number;
  /** Run no earlier than this time. */
  eta?: Date;
  /** Seconds from now, or a time, after which the task is revoked instead of run. */
  expires?: number | Date;
  /** Body serializer: a registered name (`'json'`, `'msgpack'`) or an instance. @default the client's serializer */
  serializer?: string | Serializer;
  /**
   * Ask the worker not to store the result. Sent as the `ignore_result` header only when set, so an
   * absent value means "the task's default" on every Celery version. @default the task's `ignoreResult`
   */
  ignoreResult?: boolean;
  /** Extra message headers (`apply_async(headers=…)`). */
  headers?: Record<string, unknown>;
  /** Hard time limit in seconds. @default the task's `timeLimit`, else the worker's */
  timeLimit?: number;
  /** Soft time limit in seconds. @default the task's `softTimeLimit`, else the worker's */
  softTimeLimit?: number;
  /** Name shown in logs instead of the task name. */
  shadow?: string;
  /** Signatures applied with the result on success (`link=`). */
  link?: SignatureData | readonly SignatureData[];
  /** Signatures applied on failure (`link_error=`). */
  linkError?: SignatureData | readonly SignatureData[];
  /** Id of the task that sends this one. @default null */
  parentId?: string;
  /** Id of the workflow's first task. @default this task's id */
  rootId?: string;
  /** Retry count to start from. @default 0 */
  retries?: number;
  /** Celery ≥ 5.3 stamps (`stamped_headers` are their names). */
  stamps?: Record<string, unknown>;
}

/** Per-message fields canvas sets that users do not pass directly. */
export interface MessageExtras {
  group?: string | null;
  groupIndex?: number | null;
  embed?: Partial<Embed>;
  /** A frozen signature's own `reply_to`, which wins over the sender's. */
  replyTo?: string;
  /** How many replacements (`ctx.replace()`) led to this task: the `replaced_task_nesting` header. */
  replacedTaskNesting?: number;
}

/** What a sender fixes once and every message shares. */
export interface ResolveContext {
  /** Queue for tasks that name none. */
  defaultQueue: string;
  /** Celery's `task_routes`, compiled (routes.ts); absent = no routing. */
  route?: TaskRouter;
  /** The `reply_to` property (the sender's id); none when absent. */
  replyTo?: string;
  /** The `origin` header. @default the encoder's `gen<pid>@<hostname>` */
  origin?: string;
  now: () => Date;
  generateId: () => string;
}

/** A resolved send: the message to encode and where it goes. */
export interface ResolvedSend {
  init: TaskMessageInit;
  target: PublishTarget;
  /** The serializer asked for (name or instance), when not the sender's default. */
  serializer: string | Serializer | undefined;
  /** Whether the result will not be stored (no point watching for it). */
  ignoreResult: boolean;
}

function bad(what: string, value: unknown): never {
  throw new ConfigurationError(`Invalid ${what}: ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
}

function seconds(what: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) bad(what, value);
  return value;
}

function toList(value: SignatureData | readonly SignatureData[]): SignatureData[] {
  return Array.isArray(value) ? [...(value as readonly SignatureData[])] : [value as SignatureData];
}

/** Celery's built-ins that call another task (`celery.map`, `celery.starmap`, `celery.chunks`). */
const CALLS_ANOTHER_TASK = new Set(['celery.map', 'celery.starmap', 'celery.chunks']);

/**
 * The name `task_routes` looks a message up by: a built-in that calls another task is routed by that
 * task's name, as Celery's `xmap` / `xstarmap` / `chunks` pass `route_name`; any other by its own.
 */
export function routeName(task: string, kwargs: Readonly<Record<string, unknown>>): string {
  if (!CALLS_ANOTHER_TASK.has(task)) return task;
  const inner = kwargs['task'];
  if (typeof inner === 'string') return inner;
  const name = typeof inner === 'object' && inner !== null ? (inner as { task?: unknown }).task : undefined;
  return typeof name === 'string' ? name : task;
}

/**
 * Builds the message for one task from the caller's options, the task definition's defaults
 * (when the task is known locally) and the sender's context. `kwargs` wins over `options.kwargs`.
 */
export function resolveSend(
  task: string,
  definition: TaskDefinition | undefined,
  args: readonly unknown[],
  kwargs: Record<string, unknown> | undefined,
  options: SendOptions | undefined,
  context: ResolveContext,
  extras?: MessageExtras,
): ResolvedSend {
  const o = options ?? {};
  const defaults = definition?.options;
  const id = o.taskId ?? context.generateId();
  if (typeof id !== 'string' || id.length === 0) bad('taskId', id);
  if (!Array.isArray(args)) bad(`args for ${task} (expected an array)`, args);
  const init: TaskMessageInit = {
    task,
    id,
    args,
    kwargs: kwargs ?? o.kwargs ?? {},
    rootId: o.rootId ?? id,
    parentId: o.parentId ?? null,
  };
  if (context.origin !== undefined) init.origin = context.origin;
  const replyTo = extras?.replyTo ?? context.replyTo;
  if (replyTo !== undefined) init.replyTo = replyTo;

  if (o.countdown !== undefined) {
    init.eta = new Date(context.now().getTime() + seconds('countdown', o.countdown) * 1000);
  } else if (o.eta !== undefined) {
    if (!(o.eta instanceof Date) || Number.isNaN(o.eta.getTime())) bad('eta', o.eta);
    init.eta = o.eta;
  }
  if (o.expires !== undefined) {
    if (typeof o.expires === 'number') {
      const s = seconds('expires', o.expires);
      init.expires = new Date(context.now().getTime() + s * 1000);
      // Celery sends `expires=60` as exactly "60000", not the time left after formatting.
      init.expirationMs = Math.max(0, Math.round(s * 1000));
    } else {
      if (!(o.expires instanceof Date) || Number.isNaN(o.expires.getTime())) bad('expires', o.expires);
      init.expires = o.expires;
      init.expirationMs = Math.max(0, o.expires.getTime() - context.now().getTime());
    }
  }

  // Celery's order: the send's options, then the task's own, then its route, then the default queue.
  const routeKwargs = kwargs ?? o.kwargs ?? {};
  const route: Route | undefined = context.route?.(routeName(task, routeKwargs), args, routeKwargs, o as Readonly<Record<string, unknown>>);
  const priority = o.priority ?? defaults?.priority ?? route?.priority;
  if (priority !== undefined) {
    if (!Number.isInteger(priority) || priority < 0 || priority > 255) bad('priority (an integer 0–9)', priority);
    init.priority = priority;
  }
  const hard = o.timeLimit ?? defaults?.timeLimit;
  const soft = o.softTimeLimit ?? defaults?.softTimeLimit;
  if (hard !== undefined || soft !== undefined) {
    init.timeLimit = [hard === undefined ? null : seconds('timeLimit', hard), soft === undefined ? null : seconds('softTimeLimit', soft)];
  }
  const ignoreResult = o.ignoreResult ?? defaults?.ignoreResult;
  if (ignoreResult !== undefined) init.ignoreResult = ignoreResult;
  if (o.shadow !== undefined) init.shadow = o.shadow;
  if (o.retries !== undefined) {
    if (!Number.isInteger(o.retries) || o.retries < 0) bad('retries', o.retries);
    init.retries = o.retries;
  }
  if (o.headers !== undefined) init.headers = o.headers;
  if (o.stamps !== undefined) init.stamps = o.stamps;

  let embed = extras?.embed;
  if (o.link !== undefined || o.linkError !== undefined) {
    embed = { ...embed };
    if (o.link !== undefined) embed.callbacks = toList(o.link);
    if (o.linkError !== undefined) embed.errbacks = toList(o.linkError);
  }
  if (embed !== undefined) init.embed = embed;
  if (extras?.group !== undefined) init.group = extras.group;
  if (extras?.groupIndex !== undefined) init.groupIndex = extras.groupIndex;
  if (extras?.replacedTaskNesting !== undefined) init.replacedTaskNesting = extras.replacedTaskNesting;

  const named = o.queue ?? defaults?.queue;
  const queue = named ?? route?.queue ?? context.defaultQueue;
  const target: PublishTarget = { queue };
  // A route's exchange and routing key come with its queue, not with a queue named elsewhere.
  const routed = named === undefined ? route : undefined;
  const exchange = o.exchange ?? routed?.exchange;
  const routingKey = o.routingKey ?? routed?.routingKey;
  if (exchange !== undefined) target.exchange = exchange;
  if (routingKey !== undefined) target.routingKey = routingKey;

  return { init, target, serializer: o.serializer ?? defaults?.serializer, ignoreResult: ignoreResult === true };
}
