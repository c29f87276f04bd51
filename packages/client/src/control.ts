/**
 * The client side of Celery's remote control (`app.control`): requests broadcast on
 * `celery.pidbox`, replies collected from a private reply queue for a while. What Python's
 * `app.control` sends, so Celery and Celerity workers both answer.
 */
import type { Broker, ControlResult, Logger } from '@celerity/core';
import { ConfigurationError, DEFAULT_REVOKE_EXPIRES } from '@celerity/core';
import { CONTROL_EXCHANGE, collectControlReplies, encodeControlRequest, revokeArguments } from '@celerity/core/internal';
import type { Inspect, InspectOptions } from './inspect.js';
import { createInspect } from './inspect.js';

/** Options of {@link Control.revoke} (Celery's `app.control.revoke`). */
export interface RevokeOptions {
  /** Also stop the task if it is running (async pool: its `ctx.signal` aborts; Celery's prefork pool: the child gets `signal`). @default false */
  terminate?: boolean;
  /** Signal name for `terminate`, as Celery reads it. @default 'SIGTERM' */
  signal?: string;
}

/** Options of a request that collects replies. */
export interface ControlCallOptions {
  /** Seconds to collect replies for. @default 1 */
  timeout?: number;
  /** Only these worker hostnames answer. @default every worker */
  destination?: readonly string[];
  /** Stop collecting after this many replies. */
  limit?: number;
  /**
   * Only workers whose hostname matches answer (kombu's `pattern`), when no `destination` is given:
   * a glob (`celery@*`) or, with `matcher: 'pcre'`, a regular expression.
   */
  pattern?: string;
  /** How `pattern` is read. @default 'glob' */
  matcher?: 'glob' | 'pcre';
}

/** Replies of a control command: `{hostname: {ok: …} | {error: …}}` items, one per worker. */
export type ControlReplies = Array<Record<string, ControlResult>>;

/** Remote control of the workers, through the broker. */
export interface Control {
  /**
   * Revokes tasks: every worker skips them (and, with `terminate`, stops them if running), and the
   * ids are kept in the broker's durable revoke store (`broker.revocations`, 3 h) so workers that
   * start later skip them too. Does not wait for replies, as Celery's `revoke`. When the store
   * fails, the broadcast is still sent and the store's error is thrown after it.
   */
  revoke(ids: string | readonly string[], options?: RevokeOptions): Promise<void>;
  /** Celery's `ping`: each worker's reply, as `{hostname: {ok: 'pong'}}` items. */
  ping(options?: ControlCallOptions): Promise<Array<Record<string, unknown>>>;
  /** Sends any control command and collects the replies (`{hostname: reply}` items). */
  call(method: string, args?: Record<string, unknown>, options?: ControlCallOptions): Promise<Array<Record<string, unknown>>>;
  /**
   * Celery's `app.control.inspect()`: the inspect commands, each reply merged into one record by
   * worker hostname.
   * @example const stats = await client.control.inspect({ timeout: 2 }).stats();
   */
  inspect(options?: InspectOptions): Inspect;
  /** Sets a task's rate limit on the workers (`'10/s'`, `'100/m'`, a number per second; `null` = none). */
  rateLimit(task: string, rate: string | number | null, options?: ControlCallOptions): Promise<ControlReplies>;
  /** Sets a task's soft and hard time limits in seconds on the workers (`null` = the worker's default). */
  timeLimit(task: string, soft: number | null, hard?: number | null, options?: ControlCallOptions): Promise<ControlReplies>;
  /** Warm shutdown of the workers. No worker replies (Celery's neither), so nothing is awaited but the send. */
  shutdown(options?: Pick<ControlCallOptions, 'destination'>): Promise<void>;
  /** Adds `n` slots (and pool children) to the workers. */
  poolGrow(n?: number, options?: ControlCallOptions): Promise<ControlReplies>;
  /** Removes `n` slots (and pool children). */
  poolShrink(n?: number, options?: ControlCallOptions): Promise<ControlReplies>;
  /** Changes the autoscale range of workers started with `autoscale` (an error reply from the others). */
  autoscale(max: number, min: number, options?: ControlCallOptions): Promise<ControlReplies>;
  /** Makes the workers consume `queue` too. */
  addConsumer(queue: string, options?: ControlCallOptions): Promise<ControlReplies>;
  /** Makes the workers stop consuming `queue`. */
  cancelConsumer(queue: string, options?: ControlCallOptions): Promise<ControlReplies>;
}

/** @example const control = createControl(broker, logger, client.appId); await control.ping({ timeout: 1 }); */
export function createControl(broker: Broker, logger: Logger, oid: string): Control {
  const call = async (method: string, args: Record<string, unknown> = {}, options: ControlCallOptions = {}): Promise<Array<Record<string, unknown>>> => {
    const timeout = options.timeout ?? 1;
    if (!(timeout > 0)) throw new ConfigurationError(`timeout must be a number of seconds > 0, got ${String(timeout)}`);
    const pattern = options.pattern ?? null;
    const request = { method, arguments: args, destination: options.destination ?? null, pattern, matcher: pattern === null ? null : (options.matcher ?? 'glob') };
    const replies = await collectControlReplies(broker, request, { oid, timeout: timeout * 1000, limit: options.limit, logger });
    return replies.map((reply) => ({ [reply.hostname]: reply.result }));
  };
  const command = (method: string, args: Record<string, unknown>, options?: ControlCallOptions): Promise<ControlReplies> => call(method, args, options) as Promise<ControlReplies>;

  return {
    async revoke(ids, options = {}) {
      const list = typeof ids === 'string' ? [ids] : [...ids];
      if (list.length === 0) return;
      // Stored first, so a worker starting meanwhile finds it; broadcast even when storing failed,
      // so running workers still hear it, then report the failure.
      let unstored: unknown;
      if (broker.revocations) await broker.revocations.add(list, Date.now() + DEFAULT_REVOKE_EXPIRES * 1000).catch((error: unknown) => (unstored = error));
      const request = { method: 'revoke', arguments: revokeArguments(list, options), destination: null, pattern: null, matcher: null };
      await broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest(request, { now: Date.now() }));
      if (unstored !== undefined) throw unstored;
    },
    ping: (options) => call('ping', {}, options),
    call,
    inspect: (options = {}) => createInspect(call, options),
    rateLimit: (task, rate, options) => command('rate_limit', { task_name: task, rate_limit: rate }, options),
    timeLimit: (task, soft, hard = null, options) => command('time_limit', { task_name: task, soft, hard }, options),
    async shutdown(options = {}) {
      const request = { method: 'shutdown', arguments: {}, destination: options.destination ?? null, pattern: null, matcher: null };
      await broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest(request, { now: Date.now() }));
    },
    poolGrow: (n = 1, options) => command('pool_grow', { n }, options),
    poolShrink: (n = 1, options) => command('pool_shrink', { n }, options),
    autoscale: (max, min, options) => command('autoscale', { max, min }, options),
    addConsumer: (queue, options) => command('add_consumer', { queue, exchange: null, exchange_type: 'direct', routing_key: null }, options),
    cancelConsumer: (queue, options) => command('cancel_consumer', { queue }, options),
  };
}
