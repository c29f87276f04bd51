/**
 * The remote control commands this worker answers, by Celery's names (celery/worker/control.py),
 * with Celery's replies: `{ok: …}` / `{error: …}` for control commands, the bare data for inspect
 * ones. Adding one is one function here: it gets the request's arguments and the worker's side of
 * things ({@link ControlHost}).
 */
import type { RateLimit, TaskDefinition } from '@celerity/core';
import { parseRateLimit } from '@celerity/core';
import { readRevokeArguments } from '@celerity/core/internal';
import type { Revocation } from '../revocation.js';
import type { RequestInfo } from './request-info.js';

/** A command's reply that is not sent: Celery's `shutdown` raises before replying. */
export const NO_REPLY: unique symbol = Symbol('no reply');

/** The pool's run-time sizing, when the pool has it. */
export interface PoolControl {
  /** Adds `n` slots (and children). @returns the new concurrency */
  grow(n: number): number;
  /** Removes `n` slots (never below 1). @returns the new concurrency */
  shrink(n: number): number;
  /** Changes the autoscale range, or throws when the worker does not autoscale. @returns `[max, min]` */
  autoscale(max: number | null, min: number | null): [number, number];
  /** Whether the worker autoscales (then `pool_grow` / `pool_shrink` are refused, as Celery does). */
  readonly autoscaling: boolean;
}
import type { WorkerEvents } from '../events/worker-events.js';

/** What commands can reach in the worker. */
export interface ControlHost {
  hostname: string;
  revocation: Revocation;
  /** Ids of the revoked tasks the worker keeps. */
  revokedIds(): string[];
  tasks: ReadonlyMap<string, TaskDefinition>;
  /** The rate limit of a task now (its own, or the one `rate_limit` set). */
  rateLimitOf(task: string): RateLimit | null;
  setRateLimit(task: string, limit: RateLimit | null): void;
  setTimeLimits(task: TaskDefinition, soft: number | null, hard: number | null): void;
  active(safe: boolean): RequestInfo[];
  reserved(): RequestInfo[];
  scheduled(): Array<{ eta: string | null; priority: number; request: RequestInfo }>;
  /** `[state, info]` of the tasks this worker holds among `ids`, as Celery's `query_task`. */
  queryTask(ids: readonly string[]): Record<string, [string, RequestInfo]>;
  stats(): Record<string, unknown>;
  /** kombu's `Queue.as_dict(recurse=True)` of each queue consumed. */
  activeQueues(): Array<Record<string, unknown>>;
  addConsumer(queue: string): Promise<void>;
  cancelConsumer(queue: string): Promise<void>;
  /** Warm shutdown, started after the command returned. */
  shutdown(): void;
  conf(withDefaults: boolean): Record<string, unknown>;
  report(): string;
  pool: PoolControl;
  logger: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** The events side (`enable_events` / `disable_events`). */
  events: WorkerEvents;
}

/** One command: its reply, or a promise of it; {@link NO_REPLY} for none. */
export type ControlCommand = (args: Record<string, unknown>, host: ControlHost) => unknown;

const ok = (value: unknown): { ok: unknown } => ({ ok: value });
const nok = (value: unknown): { error: unknown } => ({ error: value });

/** Celery reads numbers given as strings (the `celery control` command line sends strings). */
function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** snake_case (Celery's task attribute) → the camelCase task option. */
const optionName = (attribute: string): string => attribute.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Celery's `ping`: `{ok: 'pong'}`. */
const ping: ControlCommand = () => ok('pong');

/** Celery's `revoke(task_id, terminate=False, signal=None)`: one id or a list. */
const revoke: ControlCommand = (args, host) => host.revocation.revoke(readRevokeArguments(args));

/** Celery's `terminate(signal, task_id)`: revoke with terminate. */
const terminate: ControlCommand = (args, host) => host.revocation.revoke(readRevokeArguments({ ...args, terminate: true }));

const rateLimit: ControlCommand = (args, host) => {
  const task = String(args['task_name']);
  const limit = args['rate_limit'] as RateLimit | null;
  try {
    parseRateLimit(limit);
  } catch (error) {
    return nok(`Invalid rate limit string: ${(error as Error).message}`);
  }
  if (!host.tasks.has(task)) {
    host.logger.error(`Rate limit attempt for unknown task ${task}`);
    return nok('unknown task');
  }
  host.setRateLimit(task, limit === '' ? null : limit);
  if (!limit) {
    host.logger.info(`Rate limits disabled for tasks of type ${task}`);
    return ok('rate limit disabled successfully');
  }
  host.logger.info(`New rate limit for tasks of type ${task}: ${String(limit)}.`);
  return ok('new rate limit set successfully');
};

const timeLimit: ControlCommand = (args, host) => {
  const name = String(args['task_name']);
  const task = host.tasks.get(name);
  if (task === undefined) {
    host.logger.error(`Change time limit attempt for unknown task ${name}`);
    return nok('unknown task');
  }
  const soft = numberOrNull(args['soft']);
  const hard = numberOrNull(args['hard']);
  host.setTimeLimits(task, soft, hard);
  host.logger.info(`New time limits for tasks of type ${name}: soft=${soft ?? 'None'} hard=${hard ?? 'None'}`);
  return ok('time limits set successfully');
};

/** Celery's default `taskinfoitems`. */
const DEFAULT_TASK_INFO_ITEMS = ['exchange', 'routing_key', 'rate_limit'];

const registered: ControlCommand = (args, host) => {
  const items = stringList(args['taskinfoitems']);
  const fields = items.length > 0 ? items : DEFAULT_TASK_INFO_ITEMS;
  return [...host.tasks.keys()]
    .filter((name) => args['builtins'] === true || !name.startsWith('celery.'))
    .sort()
    .map((name) => {
      const definition = host.tasks.get(name)!;
      const shown = fields.flatMap((field) => {
        const value = field === 'rate_limit' ? host.rateLimitOf(name) : (definition.options as Record<string, unknown>)[optionName(field)];
        return value === undefined || value === null ? [] : [`${field}=${String(value)}`];
      });
      return shown.length > 0 ? `${name} [${shown.join(' ')}]` : name;
    });
};

const queryTask: ControlCommand = (args, host) => host.queryTask(stringList(args['ids']));

const poolResize = (grow: boolean): ControlCommand => (args, host) => {
  const name = grow ? 'pool_grow' : 'pool_shrink';
  if (host.pool.autoscaling) return nok(`${name} is not supported with autoscale. Adjust autoscale range instead.`);
  const n = numberOrNull(args['n']) ?? 1;
  if (!Number.isInteger(n) || n < 0) return nok(`${name}: n must be an integer ≥ 0, got ${String(args['n'])}`);
  if (grow) host.pool.grow(n);
  else host.pool.shrink(n);
  return ok(grow ? 'pool will grow' : 'pool will shrink');
};

const autoscale: ControlCommand = (args, host) => {
  const [max, min] = host.pool.autoscale(numberOrNull(args['max']), numberOrNull(args['min']));
  return ok(`autoscale now max=${max} min=${min}`);
};

const shutdown: ControlCommand = (args, host) => {
  host.logger.warn(typeof args['msg'] === 'string' ? args['msg'] : 'Got shutdown from remote');
  host.shutdown();
  return NO_REPLY;
};

const addConsumer: ControlCommand = (args, host) => {
  const queue = args['queue'];
  if (typeof queue !== 'string' || queue === '') return nok('add_consumer: no queue given');
  // As Celery (`call_soon`): the reply does not wait for the consumer.
  void host.addConsumer(queue).catch((error: unknown) => host.logger.error(`Could not consume from ${queue}: ${(error as Error).message}`));
  return ok(`add consumer ${queue}`);
};

const cancelConsumer: ControlCommand = (args, host) => {
  const queue = args['queue'];
  if (typeof queue !== 'string' || queue === '') return nok('cancel_consumer: no queue given');
  void host.cancelConsumer(queue).catch((error: unknown) => host.logger.error(`Could not stop consuming from ${queue}: ${(error as Error).message}`));
  return ok(`no longer consuming from ${queue}`);
};

const withDefaults = (value: unknown): boolean => value === true || (typeof value === 'string' && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()));

/** Celery's `enable_events`: task events on (worker events start with them). */
const enable_events: ControlCommand = (_args, host) => ({ ok: host.events.enable() ? 'task events enabled' : 'task events already enabled' });

/** Celery's `disable_events`: task events off (heartbeats go on). */
const disable_events: ControlCommand = (_args, host) => ({ ok: host.events.disable() ? 'task events disabled' : 'task events already disabled' });

/** Celery's `heartbeat`: a `worker-heartbeat` event now; the reply is empty (null), as Celery's. */
const heartbeat: ControlCommand = (_args, host) => {
  host.events.heartbeatNow();
  return null;
};

/** The built-in commands, by name (with Celery's aliases). */
export const controlCommands: Readonly<Record<string, ControlCommand>> = {
  ping,
  revoke,
  terminate,
  rate_limit: rateLimit,
  time_limit: timeLimit,
  active: (args, host) => host.active(args['safe'] === true),
  dump_active: (args, host) => host.active(args['safe'] === true),
  reserved: (_, host) => host.reserved(),
  dump_reserved: (_, host) => host.reserved(),
  scheduled: (_, host) => host.scheduled(),
  dump_schedule: (_, host) => host.scheduled(),
  registered,
  dump_tasks: registered,
  stats: (_, host) => host.stats(),
  revoked: (_, host) => host.revokedIds(),
  dump_revoked: (_, host) => host.revokedIds(),
  query_task: queryTask,
  active_queues: (_, host) => host.activeQueues(),
  conf: (args, host) => host.conf(withDefaults(args['with_defaults'])),
  dump_conf: (args, host) => host.conf(withDefaults(args['with_defaults'])),
  report: (_, host) => ok(host.report()),
  clock: (_, host) => ({ clock: host.events.forwardClock() }),
  pool_grow: poolResize(true),
  pool_shrink: poolResize(false),
  autoscale,
  shutdown,
  add_consumer: addConsumer,
  cancel_consumer: cancelConsumer,
  enable_events,
  disable_events,
  heartbeat,
};
