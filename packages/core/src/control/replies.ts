/**
 * The shapes of Celery's remote control replies (celery/worker/control.py), as Celery and
 * Celerity workers send them: what `client.control.inspect()` returns per worker.
 */

/** `{ok: …}` or `{error: …}`: the reply of a control command. */
export interface ControlResult {
  ok?: string;
  error?: string;
}

/** A task as Celery's `Request.info()` shows it (`inspect active` / `reserved` / `scheduled` / `query_task`). */
export interface TaskRequestInfo {
  id: string;
  name: string;
  /** The arguments; their repr strings with `safe`. */
  args: unknown[] | string;
  kwargs: Record<string, unknown> | string;
  type: string;
  /** The worker's hostname. */
  hostname: string;
  /** When the task started, seconds since the epoch; null while it has not. */
  time_start: number | null;
  acknowledged: boolean;
  delivery_info: { exchange: string; routing_key: string; priority: number | null; redelivered: boolean | null };
  worker_pid: number | null;
}

/** An ETA task held by a worker (`inspect scheduled`). */
export interface ScheduledTaskInfo {
  /** ISO 8601, as Python's `isoformat()`. */
  eta: string | null;
  priority: number;
  request: TaskRequestInfo;
}

/** `inspect stats`: the keys every Celery worker sends; Celery adds more per pool and transport. */
export interface WorkerStatsReply {
  /** Tasks started, by name. */
  total: Record<string, number>;
  pid: number;
  clock: string;
  /** Seconds. */
  uptime: number;
  pool: { 'max-concurrency': number; processes?: number[]; [key: string]: unknown };
  broker: { transport: string | null; hostname: string | null; port: number | null; [key: string]: unknown };
  prefetch_count: number;
  rusage: Record<string, number> | string;
  [key: string]: unknown;
}

/** `inspect query_task`: `[state, info]` by task id (`active`, `reserved` or `ready`). */
export type QueryTaskReply = Record<string, [string, TaskRequestInfo]>;
