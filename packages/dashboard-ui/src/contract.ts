/**
 * The JSON shapes of the dashboard's HTTP API: what `@celerity/dashboard` sends and the page reads
 * (the page decodes every body defensively, ui/contract.ts). One definition for both sides; types and
 * two constant lists only, so the server imports it without the page. Times are seconds since the
 * epoch (floats), as in Celery's events.
 */

/** A worker as the dashboard last heard it (events) and asked it (remote control). */
export interface Worker {
  hostname: string;
  online: boolean;
  /** Seconds since its last event; null when none was heard. */
  heartbeatAge: number | null;
  language: 'python' | 'typescript' | null;
  /** `sw_ident sw_ver` of its events, e.g. `py-celery 5.2.6` or `celerity 0.1.0`. */
  software: string | null;
  pool: string | null;
  concurrency: number | null;
  active: number | null;
  processed: number | null;
  loadavg: number[] | null;
  queues: string[];
}

export interface Queue {
  name: string;
  depth: number | null;
  /** Ready messages by priority step, where the broker counts them (Redis); null elsewhere. */
  byPriority: Record<string, number> | null;
  consumers: number | null;
  /** ETA / countdown tasks held by workers for this queue (from `inspect scheduled`). */
  heldEta: number | null;
  deadLetters: number | null;
}

export interface Overview {
  now: number;
  workers: Worker[];
  queues: Queue[];
  totals: { received: number; succeeded: number; failed: number; active: number };
}

export interface TaskSummary {
  id: string;
  name: string | null;
  state: string;
  worker: string | null;
  received: number | null;
  started: number | null;
  runtime: number | null;
  /** Preview of the arguments' repr, at most 200 characters. */
  args: string | null;
  /** Preview of the result's repr, at most 200 characters. */
  result: string | null;
  exception: string | null;
  updated: number;
}

export interface CanvasNode {
  id: string;
  name: string | null;
  state: string | null;
  kind: 'task' | 'group' | 'chord' | 'callback';
  children: CanvasNode[];
}

export interface TaskEventEntry {
  type: string;
  timestamp: number;
  hostname: string | null;
}

export interface TaskDetail extends TaskSummary {
  kwargs: string | null;
  traceback: string | null;
  parentId: string | null;
  rootId: string | null;
  groupId: string | null;
  events: TaskEventEntry[];
  tree: CanvasNode;
}

export interface Series {
  /** Seconds per bucket. */
  step: number;
  throughput: Array<{ t: number; succeeded: number; failed: number }>;
  runtime: Array<{ name: string; count: number; p50: number; p90: number; p99: number }>;
  queueDepth: Array<{ t: number; queue: string; depth: number }>;
}

export interface Session {
  csrfToken: string;
  authRequired: boolean;
  readOnly: boolean;
}

/** The actions `POST /api/actions/<action>` takes. */
export const ACTIONS = ['revoke', 'retry', 'purge', 'dlq-replay', 'rate-limit', 'shutdown', 'pool-grow', 'pool-shrink'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** The task states the page's search offers (Celery's, plus RECEIVED and REJECTED from events). */
export type TaskState = 'PENDING' | 'RECEIVED' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'RETRY' | 'REJECTED' | 'REVOKED';
export const TASK_STATES: readonly TaskState[] = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REJECTED', 'REVOKED'];
