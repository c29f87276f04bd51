/**
 * What `celerity events` shows, built from the events heard (like Celery's `events.state.State`):
 * workers with their last heartbeat and counts, and the most recent tasks with their state.
 * A worker is offline after `worker-offline`, or when no heartbeat came for twice its `freq`.
 */
import { isWorkerOnline, mergeWorkerEvent, TASK_EVENT_STATES } from '@celerity/core/internal';
import type { CeleryEvent, WorkerRecord } from '@celerity/core/internal';

/** A task as last heard. */
export interface TaskView {
  uuid: string;
  name: string | null;
  /** Celery's state names: PENDING (sent), RECEIVED, STARTED, SUCCESS, FAILURE, RETRY, REJECTED, REVOKED. */
  state: string;
  hostname: string | null;
  args: string | null;
  kwargs: string | null;
  /** The result's repr, or the exception's. */
  result: string | null;
  runtime: number | null;
  /** Seconds since the epoch of its last event. */
  updated: number;
}


const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The workers and recent tasks heard so far. */
export class EventState {
  readonly workers = new Map<string, WorkerRecord>();
  /** Tasks by uuid, oldest first (re-inserted on each event, so the last ones are the freshest). */
  readonly tasks = new Map<string, TaskView>();
  /** Events heard in all. */
  count = 0;

  constructor(private readonly maxTasks = 1000) {}

  /** Applies one event. */
  apply(event: CeleryEvent): void {
    this.count++;
    const hostname = str(event.hostname);
    const timestamp = num(event.timestamp) ?? Date.now() / 1000;
    if (event.type.startsWith('worker-') && hostname !== null) {
      this.workers.set(hostname, mergeWorkerEvent(this.workers.get(hostname), event, timestamp));
      return;
    }
    const state = TASK_EVENT_STATES[event.type];
    const uuid = str(event['uuid']);
    if (state === undefined || uuid === null) return;
    // A task event is a sign of life of its worker too (Celery's State does the same).
    if (hostname !== null && event.type !== 'task-sent') {
      const worker = this.workers.get(hostname);
      if (worker !== undefined && !worker.offline) worker.lastSeen = Math.max(worker.lastSeen, timestamp);
    }
    const task = this.tasks.get(uuid) ?? { uuid, name: null, state, hostname: null, args: null, kwargs: null, result: null, runtime: null, updated: timestamp };
    this.tasks.delete(uuid);
    task.state = state;
    task.updated = timestamp;
    task.name = str(event['name']) ?? task.name;
    task.args = str(event['args']) ?? task.args;
    task.kwargs = str(event['kwargs']) ?? task.kwargs;
    if (event.type !== 'task-sent') task.hostname = hostname ?? task.hostname;
    task.result = str(event['result']) ?? str(event['exception']) ?? task.result;
    task.runtime = num(event['runtime']) ?? task.runtime;
    this.tasks.set(uuid, task);
    if (this.tasks.size > this.maxTasks) this.tasks.delete(this.tasks.keys().next().value!);
  }

  /** Whether a worker counts as online at `now` (seconds since the epoch). */
  isOnline(worker: WorkerRecord, now: number): boolean {
    return isWorkerOnline(worker, now);
  }

  /** The `limit` most recently updated tasks, newest first. */
  recentTasks(limit: number): TaskView[] {
    return [...this.tasks.values()].slice(-limit).reverse();
  }
}
