/**
 * The jobs `inspect reserved` / `active` / `query_task` see (Celery's `worker_state.reserved_requests`
 * and `active_requests`): a job is reserved from the moment it is handed to the slot gate (not while
 * it waits for its ETA: `inspect scheduled` reads the ETA scheduler) until its body starts, then
 * active until its slot is given back. Two sets and a start time per active job; nothing else is
 * written per task.
 */
import type { Job } from '../delivery-pipeline.js';

/** Reserved and active jobs, by the worker's own bookkeeping. */
export interface JobBook {
  /** A job was handed to the slot gate. */
  reserve(job: Job): void;
  /** A job's body starts, at `now` (ms since the epoch). */
  start(job: Job, now: number): void;
  /** A job left: its slot was given back, or it was dropped before starting. */
  forget(job: Job): void;
  /** Jobs handed to the gate that have not started. */
  reserved(): Job[];
  /** Jobs running, with the time each started (ms since the epoch). */
  active(): Array<{ job: Job; started: number }>;
  /** Whether a job is reserved or active now, by task id (Celery's `query_task` state). */
  stateOf(job: Job): 'active' | 'reserved' | undefined;
  /** Jobs started so far, by task name (Celery's `total` in `inspect stats`). */
  readonly totals: ReadonlyMap<string, number>;
}

export function createJobBook(): JobBook {
  const reserved = new Set<Job>();
  const active = new Map<Job, number>();
  const totals = new Map<string, number>();
  return {
    reserve: (job) => void reserved.add(job),
    start(job, now) {
      reserved.delete(job);
      active.set(job, now);
      const name = job.message.task;
      totals.set(name, (totals.get(name) ?? 0) + 1);
    },
    forget(job) {
      reserved.delete(job);
      active.delete(job);
    },
    reserved: () => [...reserved],
    active: () => [...active].map(([job, started]) => ({ job, started })),
    stateOf: (job) => (active.has(job) ? 'active' : reserved.has(job) ? 'reserved' : undefined),
    totals,
  };
}
