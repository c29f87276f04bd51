/**
 * Celery's `app.control.inspect()`: inspect commands sent to every worker (or `destination`), each
 * answer merged into one record by worker hostname — what Celery's `Inspect` returns (an empty
 * record where Celery returns None: no worker answered in time).
 */
import type { QueryTaskReply, ScheduledTaskInfo, TaskRequestInfo, WorkerStatsReply } from '@celerity/core';

/** Options of {@link Inspect}: who answers and how long replies are collected. */
export interface InspectOptions {
  /** Only these worker hostnames answer. @default every worker */
  destination?: readonly string[];
  /** Seconds to collect replies for. @default 1 */
  timeout?: number;
  /** Stop collecting after this many replies. */
  limit?: number;
  /** Only workers whose hostname matches answer: a glob, or a regular expression with `matcher: 'pcre'`. */
  pattern?: string;
  /** How `pattern` is read. @default 'glob' */
  matcher?: 'glob' | 'pcre';
}

/** Replies by worker hostname. */
export type ByWorker<T> = Record<string, T>;

/** The inspect commands, typed with Celery's reply shapes. */
export interface Inspect {
  /** `{ok: 'pong'}` from each worker. */
  ping(): Promise<ByWorker<{ ok: string }>>;
  /** Tasks running now. `safe`: their argument reprs instead of the values. */
  active(options?: { safe?: boolean }): Promise<ByWorker<TaskRequestInfo[]>>;
  /** Tasks received and not started (not those waiting for their ETA). */
  reserved(): Promise<ByWorker<TaskRequestInfo[]>>;
  /** ETA tasks held. */
  scheduled(): Promise<ByWorker<ScheduledTaskInfo[]>>;
  /** Registered task names, with `[rate_limit=…]` where set (Celery's default `taskinfoitems`). */
  registered(): Promise<ByWorker<string[]>>;
  stats(): Promise<ByWorker<WorkerStatsReply>>;
  /** Ids of the revoked tasks each worker keeps. */
  revoked(): Promise<ByWorker<string[]>>;
  /** `[state, info]` of the given ids each worker holds. */
  queryTask(ids: string | readonly string[]): Promise<ByWorker<QueryTaskReply>>;
  /** kombu's `Queue.as_dict()` of each queue consumed. */
  activeQueues(): Promise<ByWorker<Array<Record<string, unknown>>>>;
  /** Settings by Celery name (all of them with `withDefaults`). */
  conf(options?: { withDefaults?: boolean }): Promise<ByWorker<Record<string, unknown>>>;
  /** `{ok: <bug report text>}`. */
  report(): Promise<ByWorker<{ ok: string }>>;
}

/** Sends one command and collects the `{hostname: reply}` items. */
export type CallControl = (method: string, args: Record<string, unknown>, options: InspectOptions) => Promise<Array<Record<string, unknown>>>;

/** Celery's `flatten_reply`: the items merged into one record. */
export function mergeReplies<T>(replies: ReadonlyArray<Record<string, unknown>>): ByWorker<T> {
  const merged: ByWorker<T> = {};
  for (const reply of replies) Object.assign(merged, reply);
  return merged;
}

/** @example const replies = await createInspect(call, { timeout: 2 }).stats(); */
export function createInspect(call: CallControl, options: InspectOptions = {}): Inspect {
  const ask = async <T>(method: string, args: Record<string, unknown> = {}): Promise<ByWorker<T>> => mergeReplies<T>(await call(method, args, options));
  return {
    ping: () => ask('ping'),
    active: (opts = {}) => ask('active', opts.safe ? { safe: true } : {}),
    reserved: () => ask('reserved'),
    scheduled: () => ask('scheduled'),
    registered: () => ask('registered'),
    stats: () => ask('stats'),
    revoked: () => ask('revoked'),
    queryTask: (ids) => ask('query_task', { ids: typeof ids === 'string' ? [ids] : [...ids] }),
    activeQueues: () => ask('active_queues'),
    conf: (opts = {}) => ask('conf', { with_defaults: opts.withDefaults ?? false }),
    report: () => ask('report'),
  };
}
