/**
 * What one of Celery's task events changes in the stored task: the state it stands for and the
 * fields it carries (as text, the way the store's hash keeps them).
 */
import type { CeleryEvent } from '@celerity/core/internal';
import { TASK_EVENT_STATES } from '@celerity/core/internal';

/** One task event, ready for the store. */
export interface TaskUpdate {
  id: string;
  /** The event's time, seconds since the epoch. */
  timestamp: number;
  state: string;
  /** Fields to set on the task (absent = left as they are). */
  fields: Record<string, string>;
  /** The lifetime/series counter it adds one to, if any. */
  counter: 'received' | 'succeeded' | 'failed' | null;
  /** Seconds the task ran (task-succeeded). */
  runtime: number | null;
  rootId: string | null;
  entry: { type: string; timestamp: number; hostname: string | null };
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

const COUNTERS: Readonly<Record<string, TaskUpdate['counter']>> = { 'task-received': 'received', 'task-succeeded': 'succeeded', 'task-failed': 'failed' };

/** The update a task event makes, or null for events that are not about a task. */
/**
 * The exception to show. Celery 5.2's solo pool reports a failure's exception as billiard's wrapper,
 * `ExceptionWithTraceback()`, which says nothing; the traceback's last line names the real one.
 */
function exceptionOf(exception: unknown, traceback: unknown): unknown {
  if (exception !== 'ExceptionWithTraceback()' || typeof traceback !== 'string') return exception;
  const last = traceback.trimEnd().split('\n').at(-1)?.trim();
  return last === undefined || last === '' ? exception : last;
}

export function taskUpdateOf(event: CeleryEvent, now: number): TaskUpdate | null {
  const state = TASK_EVENT_STATES[event.type];
  const id = str(event['uuid']);
  if (state === undefined || id === null) return null;
  const timestamp = num(event.timestamp) ?? now;
  const hostname = str(event.hostname);
  const fields: Record<string, string> = {};
  const set = (field: string, value: unknown): void => {
    if (typeof value === 'string') fields[field] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) fields[field] = String(value);
  };
  set('name', event['name']);
  set('args', event['args']);
  set('kwargs', event['kwargs']);
  set('rootId', event['root_id']);
  set('parentId', event['parent_id']);
  set('retries', event['retries']);
  // task-sent comes from the sender: its hostname is not a worker's, and it names the queue.
  if (event.type === 'task-sent') set('queue', event['queue']);
  else set('worker', hostname);
  if (event.type === 'task-received') set('received', timestamp);
  if (event.type === 'task-started') set('started', timestamp);
  set('result', event['result']);
  set('runtime', event['runtime']);
  set('exception', exceptionOf(event['exception'], event['traceback']));
  set('traceback', event['traceback']);
  return {
    id,
    timestamp,
    state,
    fields,
    counter: COUNTERS[event.type] ?? null,
    runtime: event.type === 'task-succeeded' ? num(event['runtime']) : null,
    rootId: str(event['root_id']),
    entry: { type: event.type, timestamp, hostname },
  };
}
