/**
 * The jobs `inspect reserved` / `active` / `query_task` see (Celery's `worker_state.reserved_requests`
 * and `active_requests`): a job is reserved from the moment it is handed to the slot gate (not while
 * it waits for its ETA: `inspect scheduled` reads the ETA scheduler) until its body starts, then
 * active until its slot is given back. One roster (roster.ts) of both, the job's slot in it and
 * its start time kept on the job; nothing else is written per task.
 */
import type { Job } from '../delivery-pipeline.js';
import { Roster } from '../roster.js';

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
  const jobs = new Roster<Job>();
  const totals = new Map<string, number>();
  const holds = (job: Job): boolean => job.bookSlot !== undefined && jobs.has(job, job.bookSlot);
  return {
    reserve(job) {
      if (holds(job)) return;
      job.bookSlot = jobs.add(job);
      job.startedAt = undefined;
    },
    start(job, now) {
      if (!holds(job)) job.bookSlot = jobs.add(job);
      job.startedAt = now;
      const name = job.message.task;
      totals.set(name, (totals.get(name) ?? 0) + 1);
    },
    forget(job) {
      if (job.bookSlot !== undefined) jobs.delete(job, job.bookSlot);
      job.bookSlot = undefined;
      job.startedAt = undefined;
    },
    reserved: () => jobs.values().filter((job) => job.startedAt === undefined),
    active: () => jobs
      .values()
      .filter((job) => job.startedAt !== undefined)
      .map((job) => ({ job, started: job.startedAt! })),
    stateOf: (job) => (!holds(job) ? undefined : job.startedAt === undefined ? 'reserved' : 'active'),
    totals,
  };
}
